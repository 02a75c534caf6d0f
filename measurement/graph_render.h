// SPDX-License-Identifier: MIT
// Draws a measurement with graphviz, in-process (cgraph + gvc): each direction is a labelled
// cluster of one graph, one column per TTL from left to right; a vertex shows its address, its name
// when resolved and its RTT min/avg/max; the source is a box and the end of the path a double
// octagon; black holes are "***"; links seen only through inferred flows are dashed, those
// seen only through retried probes dotted, and a legend says so.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "measurement/multipath_graph.h"
#include "measurement/trace_direction.h"

namespace rtt {

struct DrawnDirection {
    std::string title;  // e.g. "forward udp 198.18.1.1 → 198.18.6.2"
    const MultipathGraph* graph = nullptr;
};

// A direction's heading in a drawing: "forward udp multipath: FROM to TO".
std::string drawn_title(TraceDirection direction, std::string_view protocol, bool multipath, std::string_view from,
                        std::string_view to);

// The output formats offered (the Augsburg client's list).
const std::vector<std::string>& graph_formats();

// The drawing in `format` (the file's bytes); throws MeasurementError with one sentence if graphviz
// cannot draw it. Addresses of one alias set (one router) share a colour and a "router N" line.
std::string render_graph(const std::vector<DrawnDirection>& directions, const std::map<IpAddress, std::string>& names,
                         const std::string& format, const std::vector<std::vector<IpAddress>>& aliases = {});

}  // namespace rtt
