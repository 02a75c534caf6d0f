// SPDX-License-Identifier: MIT
#include "trace_score.h"

#include <algorithm>

namespace rtt::sim {

TraceScore score_trace(const MultipathGraph& graph, const TrueGraph& truth) {
    TraceScore score;
    std::set<IpAddress> found_vertices;
    for (const auto& vertex : graph.vertices)
        if (vertex.id != 0 && vertex.address)
            found_vertices.insert(*vertex.address);
    std::set<std::pair<IpAddress, IpAddress>> found_edges;
    for (const auto& edge : graph.edges) {
        const auto& from = graph.vertices[static_cast<std::size_t>(edge.from)];
        const auto& to = graph.vertices[static_cast<std::size_t>(edge.to)];
        if (from.id == 0)
            continue;  // from the tracing host
        score.uncertain_edges += edge.uncertain ? 1 : 0;
        const bool is_true = from.address && to.address && truth.edges.contains({*from.address, *to.address});
        if (is_true) {
            found_edges.insert({*from.address, *to.address});
            continue;
        }
        ++score.false_edges;
        score.false_certain_edges += edge.uncertain ? 0 : 1;
    }
    for (const auto& [ttl, addresses] : truth.vertices)
        for (const auto& address : addresses)
            score.missing_vertices += found_vertices.contains(address) ? 0 : 1;
    score.missing_edges = static_cast<int>(truth.edges.size() - found_edges.size());
    std::map<IpAddress, std::set<IpAddress>> successors;
    for (const auto& [from, to] : truth.edges)
        successors[from].insert(to);
    for (const auto& entry : successors) {
        const IpAddress& vertex = entry.first;
        const auto& next = entry.second;
        if (next.size() < 2 || !found_vertices.contains(vertex))
            continue;
        ++score.branching_points;
        const bool all = std::all_of(next.begin(), next.end(), [&](const IpAddress& n) {
            return found_edges.contains({vertex, n});
        });
        score.missed_branching += all ? 0 : 1;
    }
    return score;
}

}  // namespace rtt::sim
