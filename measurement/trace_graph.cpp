// SPDX-License-Identifier: MIT
#include "measurement/trace_graph.h"

#include <algorithm>

#include <fmt/format.h>

namespace rtt {

MultipathGraph graph_from_hops(const std::vector<HopResult>& hops, const IpAddress& root,
                               const IpAddress& end_of_path) {
    MultipathGraph graph;
    MultipathVertex origin;
    origin.address = root;
    graph.vertices.push_back(origin);
    std::vector<int> previous{0};
    // The changes the previous answered hop's quote showed: a change is put on the first hop
    // whose quote shows it.
    std::vector<PathChange> changes_before;
    for (const HopResult& hop : hops) {
        std::vector<int> layer;
        std::optional<std::vector<PathChange>> changes_here;
        for (const HopReply& reply : hop.replies) {
            if (!reply.answer)
                continue;
            const IpAddress& address = reply.answer->responder;
            auto found = std::find_if(layer.begin(), layer.end(), [&](int id) {
                return graph.vertices[static_cast<std::size_t>(id)].address == address;
            });
            if (found == layer.end()) {
                MultipathVertex vertex;
                vertex.id = static_cast<int>(graph.vertices.size());
                vertex.ttl = hop.ttl;
                vertex.address = address;
                vertex.flows.push_back(hop.flow);
                vertex.answer = reply.answer;
                vertex.end_of_path = ends_path(*reply.answer, end_of_path);
                graph.vertices.push_back(vertex);
                layer.push_back(vertex.id);
                found = layer.end() - 1;
            }
            graph.vertices[static_cast<std::size_t>(*found)].rtts_ms.push_back(reply.rtt_ms);
            graph.vertices[static_cast<std::size_t>(*found)].add_mpls(reply.answer->mpls);
            graph.vertices[static_cast<std::size_t>(*found)].add_changes(
                changes_first_seen(changes_before, reply.answer->changes));
            changes_here = reply.answer->changes;
        }
        if (changes_here)
            changes_before = std::move(*changes_here);
        if (layer.empty()) {
            MultipathVertex hole;
            hole.id = static_cast<int>(graph.vertices.size());
            hole.ttl = hop.ttl;
            hole.flows.push_back(hop.flow);
            graph.vertices.push_back(hole);
            layer.push_back(hole.id);
        }
        for (const int from : previous)
            for (const int to : layer)
                graph.edges.push_back({from, to, false});
        previous = std::move(layer);
    }
    // Silence after the last answer says nothing about the path: drop it, as the Augsburg
    // client does.
    while (graph.vertices.size() > 1 && !graph.vertices.back().address) {
        const int id = graph.vertices.back().id;
        graph.vertices.pop_back();
        std::erase_if(graph.edges, [&](const MultipathEdge& e) { return e.to == id || e.from == id; });
    }
    return graph;
}

std::string rtt_summary(const MultipathVertex& vertex) {
    if (vertex.rtts_ms.empty())
        return {};
    const auto [low, high] = std::minmax_element(vertex.rtts_ms.begin(), vertex.rtts_ms.end());
    double sum = 0;
    for (const double rtt : vertex.rtts_ms)
        sum += rtt;
    return fmt::format("{:.3f}/{:.3f}/{:.3f} ms", *low, sum / static_cast<double>(vertex.rtts_ms.size()), *high);
}

MultipathGraph trace_graph(const TraceRecord& record, const IpAddress& root, const IpAddress& end_of_path) {
    return record.graph ? *record.graph : graph_from_hops(record.hops, root, end_of_path);
}

}  // namespace rtt
