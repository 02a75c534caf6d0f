// SPDX-License-Identifier: MIT
// The per-flow view of a multipath trace (the table seeds/000 traceflow prints): one row per
// flow, one column per TTL, each cell the address that flow met there, `*` where it met
// silence and `-` where it was not probed (inferred through a one-vertex hop, or past its end).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "measurement/multipath_graph.h"

namespace rtt {

// What each flow met at each TTL: an address, or nullopt for silence; TTLs it was not probed
// at are absent.
using FlowPaths = std::map<std::uint16_t, std::map<unsigned, std::optional<IpAddress>>>;
FlowPaths flow_paths(const MultipathGraph& graph);

// The table as lines (a header and one line per flow), columns aligned.
std::vector<std::string> flow_table(const MultipathGraph& graph);

}  // namespace rtt
