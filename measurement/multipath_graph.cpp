// SPDX-License-Identifier: MIT
#include "measurement/multipath_graph.h"

#include <algorithm>
#include <set>

namespace rtt {

void MultipathVertex::add_changes(const std::vector<PathChange>& found) {
    for (const auto& change : found)
        if (std::find(changes.begin(), changes.end(), change) == changes.end())
            changes.push_back(change);
}

void MultipathVertex::add_mpls(const MplsStack& stack) {
    if (!stack.empty() && std::find(mpls.begin(), mpls.end(), stack) == mpls.end())
        mpls.push_back(stack);
}
namespace {

// Collects vertices and edges, keeping one edge per vertex pair; an edge stays "inferred" only
// while every flow behind it was inferred.
class GraphAssembly {
public:
    explicit GraphAssembly(const IpAddress& root) {
        MultipathVertex vertex;
        vertex.address = root;
        graph_.vertices.push_back(vertex);
    }

    int add_vertex(std::uint8_t ttl, std::optional<IpAddress> address) {
        MultipathVertex vertex;
        vertex.id = static_cast<int>(graph_.vertices.size());
        vertex.ttl = ttl;
        vertex.address = address;
        graph_.vertices.push_back(vertex);
        return vertex.id;
    }
    MultipathVertex& vertex(int id) { return graph_.vertices[static_cast<std::size_t>(id)]; }

    void add_edge(int from, int to, bool inferred, bool retried) {
        const auto [it, inserted] = edges_.try_emplace({from, to}, Evidence{inferred, retried});
        if (!inserted)
            it->second = {it->second.inferred && inferred, it->second.retried && retried};
    }

    // Drops black holes that lead nowhere (silence after the last answer), then numbers the
    // vertices densely again.
    MultipathGraph finish() {
        std::vector<bool> keep(graph_.vertices.size(), true);
        for (bool changed = true; changed;) {
            changed = false;
            for (const auto& vertex : graph_.vertices) {
                if (!keep[static_cast<std::size_t>(vertex.id)] || vertex.address)
                    continue;
                const bool leads_on = std::any_of(edges_.begin(), edges_.end(), [&](const auto& edge) {
                    return edge.first.first == vertex.id && keep[static_cast<std::size_t>(edge.first.second)];
                });
                if (!leads_on) {
                    keep[static_cast<std::size_t>(vertex.id)] = false;
                    changed = true;
                }
            }
        }
        std::vector<int> new_id(graph_.vertices.size(), -1);
        MultipathGraph result;
        for (auto& vertex : graph_.vertices) {
            if (!keep[static_cast<std::size_t>(vertex.id)])
                continue;
            new_id[static_cast<std::size_t>(vertex.id)] = static_cast<int>(result.vertices.size());
            vertex.id = static_cast<int>(result.vertices.size());
            result.vertices.push_back(vertex);
        }
        for (const auto& [ends, evidence] : edges_) {
            const int from = new_id[static_cast<std::size_t>(ends.first)];
            const int to = new_id[static_cast<std::size_t>(ends.second)];
            if (from >= 0 && to >= 0)
                result.edges.push_back({from, to, evidence.inferred, evidence.retried, false});
        }
        return result;
    }

private:
    struct Evidence {
        bool inferred = false;
        bool retried = false;
    };
    MultipathGraph graph_;
    std::map<std::pair<int, int>, Evidence> edges_;
};

}  // namespace

void mark_per_packet(MultipathGraph& graph, const std::set<std::uint8_t>& varying,
                     const std::set<std::uint8_t>& per_flow) {
    if (varying.empty())
        return;
    std::map<std::uint8_t, int> vertices_at;  // black holes count: some flows took another way
    for (const auto& vertex : graph.vertices)
        if (vertex.id != 0)
            ++vertices_at[vertex.ttl];
    // Does a flow's path to this hop change from packet to packet?
    std::set<std::uint8_t> behind;
    bool inside = false;
    for (const auto& [ttl, count] : vertices_at) {
        if (varying.contains(ttl))
            inside = true;
        else if (per_flow.contains(ttl) || count == 1)
            inside = false;  // shown per flow, or one vertex (the rounds' verdict, as everywhere)
        if (inside)
            behind.insert(ttl);
    }
    for (auto& vertex : graph.vertices)
        vertex.per_packet = vertex.id != 0 && behind.contains(vertex.ttl);
    for (auto& edge : graph.edges) {
        const auto& from = graph.vertices[static_cast<std::size_t>(edge.from)];
        const auto& to = graph.vertices[static_cast<std::size_t>(edge.to)];
        const auto to_count = vertices_at.find(to.ttl);
        // The destination alone at its hop is where every packet of that length ends.
        const bool confirmed_single =
            to_count != vertices_at.end() && to_count->second == 1 && (per_flow.contains(to.ttl) || to.end_of_path);
        edge.uncertain = from.per_packet && !confirmed_single;
    }
}

void mark_per_destination(MultipathGraph& graph, const std::vector<AlternatePath>& alternates) {
    std::uint8_t depth = 255;  // the target's: TTLs from here on are not judged
    std::map<std::pair<std::uint8_t, IpAddress>, std::size_t> vertex_at;
    for (std::size_t i = 0; i < graph.vertices.size(); ++i) {
        const MultipathVertex& vertex = graph.vertices[i];
        if (vertex.id == 0 || !vertex.address)
            continue;
        vertex_at.emplace(std::pair{vertex.ttl, *vertex.address}, i);
        if (vertex.end_of_path)
            depth = std::min(depth, vertex.ttl);
    }
    for (const AlternatePath& path : alternates) {
        // The vertex it met last, from the root (the tracing host may balance too).
        std::optional<std::size_t> before;
        std::uint8_t before_ttl = 0;
        if (!graph.vertices.empty()) {
            before = 0;
            before_ttl = graph.vertices[0].ttl;
        }
        for (const auto& [ttl, responder] : path) {
            if (ttl >= depth)
                break;
            const auto known = vertex_at.find({ttl, responder});
            if (known != vertex_at.end()) {
                before = known->second;
                before_ttl = ttl;
                continue;
            }
            if (before && before_ttl + 1 == ttl) {
                auto& hops = graph.vertices[*before].other_destination_next_hops;
                if (std::find(hops.begin(), hops.end(), responder) == hops.end())
                    hops.push_back(responder);
            }
            break;  // it left the target's graph (or met an unknown address after a silent TTL)
        }
    }
}

std::vector<int> MultipathGraph::successors(int id) const {
    std::vector<int> result;
    for (const auto& edge : edges)
        if (edge.from == id)
            result.push_back(edge.to);
    return result;
}

MultipathGraph MultipathGraph::merged() const {
    MultipathGraph result;
    std::map<IpAddress, int> by_address;
    std::vector<int> new_id(vertices.size(), -1);
    for (const auto& vertex : vertices) {  // vertices come in TTL order: the first copy wins
        if (vertex.address && vertex.id != 0) {
            const auto found = by_address.find(*vertex.address);
            if (found != by_address.end()) {
                auto& kept = result.vertices[static_cast<std::size_t>(found->second)];
                kept.flows.insert(kept.flows.end(), vertex.flows.begin(), vertex.flows.end());
                kept.rtts_ms.insert(kept.rtts_ms.end(), vertex.rtts_ms.begin(), vertex.rtts_ms.end());
                kept.sent += vertex.sent;
                kept.end_of_path = kept.end_of_path || vertex.end_of_path;
                kept.per_packet = kept.per_packet || vertex.per_packet;
                for (const auto& hop : vertex.other_destination_next_hops)
                    if (std::find(kept.other_destination_next_hops.begin(), kept.other_destination_next_hops.end(),
                                  hop) == kept.other_destination_next_hops.end())
                        kept.other_destination_next_hops.push_back(hop);
                new_id[static_cast<std::size_t>(vertex.id)] = found->second;
                continue;
            }
        }
        MultipathVertex copy = vertex;
        copy.id = static_cast<int>(result.vertices.size());
        if (vertex.address && vertex.id != 0)
            by_address.emplace(*vertex.address, copy.id);
        new_id[static_cast<std::size_t>(vertex.id)] = copy.id;
        result.vertices.push_back(copy);
    }
    std::map<std::pair<int, int>, MultipathEdge> edges_seen;
    for (const auto& edge : edges) {
        const int from = new_id[static_cast<std::size_t>(edge.from)];
        const int to = new_id[static_cast<std::size_t>(edge.to)];
        if (from == to)
            continue;
        const auto [it, inserted] =
            edges_seen.try_emplace({from, to}, MultipathEdge{from, to, edge.inferred, edge.retried, edge.uncertain});
        if (!inserted) {
            it->second.inferred = it->second.inferred && edge.inferred;
            it->second.retried = it->second.retried && edge.retried;
            it->second.uncertain = it->second.uncertain && edge.uncertain;
        }
    }
    for (const auto& [ends, edge] : edges_seen)
        result.edges.push_back(edge);
    return result;
}

std::optional<IpAddress> single_vertex(const std::vector<FlowObservation>& hop, std::size_t min_flows,
                                       const IpAddress& end_of_path) {
    std::optional<IpAddress> only;
    std::size_t answered = 0;
    for (const auto& observation : hop) {
        if (observation.state == FlowObservation::State::silent)
            return std::nullopt;
        if (observation.state != FlowObservation::State::answered)
            continue;
        if (ends_path(*observation.answer, end_of_path))
            return std::nullopt;
        if (only && !(*only == observation.answer->responder))
            return std::nullopt;
        only = observation.answer->responder;
        ++answered;
    }
    return answered >= min_flows ? only : std::nullopt;
}

MultipathGraph build_graph(const ObservationTable& table, const std::vector<std::uint16_t>& flow_values,
                           const IpAddress& root, std::uint8_t first_ttl, std::size_t single_vertex_flows,
                           const IpAddress& end_of_path) {
    GraphAssembly graph(root);
    // The vertex each flow met at the previous TTL (-1: not probed there), and the vertex every
    // flow passes at the previous TTL if that hop is a single vertex. Every flow leaves the root.
    std::vector<int> previous;
    std::vector<bool> previous_retried;
    // Per flow, the changes the quote of its last answer showed: a change is put on the first
    // hop whose quote shows it.
    std::vector<std::vector<PathChange>> changes_before(flow_values.size());
    int previous_single = 0;
    bool previous_is_root = true;
    for (const auto& [ttl, hop] : table) {
        if (ttl < first_ttl)
            continue;
        std::map<IpAddress, int> by_address;
        std::map<int, int> black_hole_after;
        std::vector<int> current(hop.size(), -1);
        for (std::size_t i = 0; i < hop.size(); ++i) {
            const FlowObservation& observation = hop[i];
            if (observation.state == FlowObservation::State::unprobed)
                continue;
            int from = i < previous.size() ? previous[i] : -1;
            bool inferred = false;
            if (from < 0 && previous_single >= 0) {
                from = previous_single;
                inferred = !previous_is_root;
            }
            int to = -1;
            if (observation.state == FlowObservation::State::answered) {
                const IpAddress& address = observation.answer->responder;
                auto found = by_address.find(address);
                if (found == by_address.end())
                    found = by_address.emplace(address, graph.add_vertex(ttl, address)).first;
                to = found->second;
                MultipathVertex& vertex = graph.vertex(to);
                vertex.flows.push_back(flow_values[i]);
                vertex.rtts_ms.push_back(observation.rtt_ms);
                vertex.answer = observation.answer;
                vertex.add_mpls(observation.answer->mpls);
                if (i < changes_before.size()) {
                    vertex.add_changes(changes_first_seen(changes_before[i], observation.answer->changes));
                    changes_before[i] = observation.answer->changes;
                }
                vertex.end_of_path = vertex.end_of_path || ends_path(*observation.answer, end_of_path);
            } else {
                if (from < 0)
                    continue;  // silence after an unknown vertex tells nothing
                auto found = black_hole_after.find(from);
                if (found == black_hole_after.end())
                    found = black_hole_after.emplace(from, graph.add_vertex(ttl, std::nullopt)).first;
                to = found->second;
                graph.vertex(to).flows.push_back(flow_values[i]);
            }
            graph.vertex(to).sent += observation.attempts;
            current[i] = to;
            const bool retried = observation.retried() || (i < previous_retried.size() && previous_retried[i]);
            if (from >= 0)
                graph.add_edge(from, to, inferred, retried);
        }
        const auto single = single_vertex(hop, single_vertex_flows, end_of_path);
        previous_single = single ? by_address.at(*single) : -1;
        previous_is_root = false;
        previous = std::move(current);
        previous_retried.assign(hop.size(), false);
        for (std::size_t i = 0; i < hop.size(); ++i)
            previous_retried[i] = hop[i].retried();
    }
    return graph.finish();
}

}  // namespace rtt
