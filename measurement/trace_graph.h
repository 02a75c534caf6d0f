// SPDX-License-Identifier: MIT
// Every trace as one graph model: a multipath trace's graph as found, a single-path trace's
// hops turned into the same vertices and links (one vertex per responder and hop, "***" for a
// silent hop, each vertex linked to every vertex of the next hop), so the renderers (JSON,
// graphviz) handle both the same way.
#pragma once

#include <string>

#include "measurement/multipath_graph.h"
#include "measurement/trace_record.h"

namespace rtt {

MultipathGraph graph_from_hops(const std::vector<HopResult>& hops, const IpAddress& root, const IpAddress& end_of_path);

// "min/avg/max ms" of a vertex's RTT samples (empty for a black hole), as text and drawing show it.
std::string rtt_summary(const MultipathVertex& vertex);

// The graph of a recorded direction, whichever engine produced it.
MultipathGraph trace_graph(const TraceRecord& record, const IpAddress& root, const IpAddress& end_of_path);

}  // namespace rtt
