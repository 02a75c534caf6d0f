// SPDX-License-Identifier: MIT
// Per-vertex statistics of a multipath direction over rounds (the multipath report and live
// view): after discovery, every round probes each vertex that answered once, over one of the
// flows discovery saw reach it (in turn, round after round). A probe answered by its vertex
// counts as sent and received, one that got no answer as sent and lost, and one answered by
// another address (the flow moved: a route change, or a per-packet balancer) as neither: it is
// counted apart, so that a moved flow is not reported as loss at a vertex it no longer meets.
#pragma once

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "measurement/hop_statistics.h"
#include "measurement/trace_result.h"

namespace rtt {

struct VertexFigures {
    std::uint8_t ttl = 0;
    IpAddress address;
    std::vector<std::uint16_t> flows;  // the flows discovery saw reach it (wire values)
    double flow_share = 0;             // its flows among those answered or silent at its TTL, 0 to 1
    bool per_packet = false;           // behind a per-packet balancer (multipath_graph.h)
    RttStatistics rtt;
    std::uint64_t answered_elsewhere = 0;  // probes of its flows answered by another address
};

// One probe of a round: a flow at a TTL, aimed at the vertex discovery saw there.
struct VertexProbe {
    std::uint8_t ttl = 0;
    std::uint16_t flow = 0;
};

class VertexStatistics final : public TraceObserver {
public:
    // The discovery's graph sets the vertices (and clears the figures).
    void on_graph(const MultipathGraph& graph) override;
    // A round's probes, one reply each (as VertexRoundEngine reports them).
    void on_hop(const HopResult& hop) override;
    void on_end(const TraceSummary&) override {}

    // Zeroes the figures, keeps the vertices (the live view's r).
    void reset();
    bool discovered() const { return discovered_; }
    // Round `round` (0, 1, ...): one probe per vertex, its flows taken in turn.
    std::vector<VertexProbe> round_probes(std::uint64_t round) const;
    // In TTL order, the vertices of one TTL in the order discovery found them.
    const std::vector<VertexFigures>& vertices() const { return vertices_; }

private:
    std::vector<VertexFigures> vertices_;
    std::map<std::pair<std::uint8_t, std::uint16_t>, std::size_t> by_flow_;  // (ttl, flow) → vertex
    bool discovered_ = false;
};

}  // namespace rtt
