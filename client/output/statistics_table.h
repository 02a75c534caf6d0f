// SPDX-License-Identifier: MIT
// The per-hop statistics of both directions side by side, as mtr --report prints one: per hop
// who answered, Loss%, probes sent and received, and the last, mean, best and worst RTT with
// their standard deviation. The report (-c) prints it once; the live view redraws it.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "measurement/hop_statistics.h"

namespace rtt::client {

struct StatisticsSide {
    std::string title;  // e.g. "forward: to server.lab"
    std::vector<HopStatistics> hops;
};

// How an address is shown (name, address, AS number); the table only lays it out.
using AddressLabel = std::function<std::string(const IpAddress&)>;

// The table's lines, without line ends. Each side is as wide as its longest label needs; a hop
// with several addresses takes one line per address (the figures on the first).
std::vector<std::string> statistics_table(const std::vector<StatisticsSide>& sides, const AddressLabel& label);

}  // namespace rtt::client
