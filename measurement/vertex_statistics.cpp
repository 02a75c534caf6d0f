// SPDX-License-Identifier: MIT
#include "measurement/vertex_statistics.h"

#include <algorithm>

namespace rtt {

void VertexStatistics::on_graph(const MultipathGraph& graph) {
    vertices_.clear();
    by_flow_.clear();
    std::map<std::uint8_t, std::size_t> flows_at;  // answered or silent, per TTL
    for (const auto& vertex : graph.vertices)
        if (vertex.id != 0)
            flows_at[vertex.ttl] += vertex.flows.size();
    std::vector<const MultipathVertex*> answered;
    for (const auto& vertex : graph.vertices)
        if (vertex.id != 0 && vertex.address && !vertex.flows.empty())
            answered.push_back(&vertex);
    // Stable: within a TTL, the order discovery found the vertices in.
    std::stable_sort(answered.begin(), answered.end(),
                     [](const MultipathVertex* a, const MultipathVertex* b) { return a->ttl < b->ttl; });
    for (const MultipathVertex* vertex : answered) {
        VertexFigures figures;
        figures.ttl = vertex->ttl;
        figures.address = *vertex->address;
        figures.flows = vertex->flows;
        figures.flow_share = static_cast<double>(vertex->flows.size()) / static_cast<double>(flows_at.at(vertex->ttl));
        figures.per_packet = vertex->per_packet;
        for (const std::uint16_t flow : vertex->flows)
            by_flow_[{vertex->ttl, flow}] = vertices_.size();
        vertices_.push_back(std::move(figures));
    }
    discovered_ = true;
}

void VertexStatistics::on_hop(const HopResult& hop) {
    const auto found = by_flow_.find({hop.ttl, hop.flow});
    if (found == by_flow_.end())
        return;  // not a probe of ours (a flow discovery did not see answered here)
    VertexFigures& vertex = vertices_[found->second];
    for (const HopReply& reply : hop.replies) {
        if (reply.answer && reply.answer->responder != vertex.address) {
            ++vertex.answered_elsewhere;
            continue;
        }
        vertex.rtt.add_sent(1);
        if (reply.answer)
            vertex.rtt.add_rtt(reply.rtt_ms);
    }
}

void VertexStatistics::reset() {
    for (auto& vertex : vertices_) {
        vertex.rtt = RttStatistics();
        vertex.answered_elsewhere = 0;
    }
}

std::vector<VertexProbe> VertexStatistics::round_probes(std::uint64_t round) const {
    std::vector<VertexProbe> probes;
    probes.reserve(vertices_.size());
    for (const auto& vertex : vertices_)
        probes.push_back({vertex.ttl, vertex.flows[round % vertex.flows.size()]});
    return probes;
}

}  // namespace rtt
