// SPDX-License-Identifier: MIT
// Scores a multipath graph against the true graph of a generated topology, as the MDA
// literature (fakeroute) does: per branching point, did the trace find every successor?
#pragma once

#include "measurement/multipath_graph.h"
#include "topology_catalogue.h"

namespace rtt::sim {

struct TraceScore {
    int branching_points = 0;  // true vertices with several successors that the trace found
    int missed_branching = 0;  // of those, the ones where a successor (edge) was missed
    int missing_vertices = 0;
    int missing_edges = 0;
    int false_edges = 0;          // edges the topology does not have (black holes included)
    int false_certain_edges = 0;  // of those, the ones not marked uncertain (per-packet balancing)
    int uncertain_edges = 0;      // edges marked uncertain, true or not
    bool complete() const { return missing_vertices == 0 && missing_edges == 0 && false_edges == 0; }
};

TraceScore score_trace(const MultipathGraph& graph, const TrueGraph& truth);

}  // namespace rtt::sim
