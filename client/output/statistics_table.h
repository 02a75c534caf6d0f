// SPDX-License-Identifier: MIT
// The per-hop statistics of both directions, as mtr --report prints one: per hop who answered,
// Loss%, probes sent and received, and the last, mean, best and worst RTT with their standard
// deviation. Multipath: one line per vertex, the vertices of one TTL under it, with the share of
// the flows discovery saw pass each. The report (-c) prints it once; the live view redraws it. Both directions are side
// by side when the width allows, else one above the other; a host name too long for the width
// is shortened (ending in "..."), as mtr and Trippy do, so no direction is ever cut off.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "measurement/hop_statistics.h"
#include "measurement/vertex_statistics.h"

namespace rtt::client {

struct StatisticsSide {
    std::string title;  // e.g. "forward: to server.lab"
    std::vector<HopStatistics> hops;
    // Multipath: per entry of `hops` (one address each, a TTL's vertices one after the other),
    // the share of flows through it, 0 to 1; empty for single path.
    std::vector<double> flow_shares = {};
};

// A multipath direction's side: its vertices as rows.
StatisticsSide vertex_side(std::string title, const std::vector<VertexFigures>& vertices);

// How an address is shown (name, address, AS number); the table only lays it out.
using AddressLabel = std::function<std::string(const IpAddress&)>;

// The table's lines, without line ends, at most `columns` wide (0: no limit, side by side). A
// hop with several addresses takes one line per address (the figures on the first).
std::vector<std::string> statistics_table(const std::vector<StatisticsSide>& sides, const AddressLabel& label,
                                          std::size_t columns = 0);

// The width of the terminal on `fd`, or 0 when it is not a terminal (a file or a pipe takes the
// whole table, side by side, like mtr's report).
std::size_t terminal_columns(int fd);

}  // namespace rtt::client
