// SPDX-License-Identifier: MIT
#include "output/statistics_table.h"

#include <algorithm>

#include <fmt/format.h>

namespace rtt::client {
namespace {

constexpr const char* kFigures = " Loss%   Snt   Rcv    Last     Avg    Best    Wrst   StDev";

// One side's lines: heading, column names, then the hops.
std::vector<std::string> side_lines(const StatisticsSide& side, const AddressLabel& label) {
    std::size_t host_width = 4;
    for (const auto& hop : side.hops)
        for (const auto& address : hop.addresses)
            host_width = std::max(host_width, label(address).size());
    std::vector<std::string> lines;
    lines.push_back(side.title);
    lines.push_back(fmt::format("{:>3}  {:<{}} {}", "Hop", "Host", host_width, kFigures));
    for (const auto& hop : side.hops) {
        const RttStatistics& r = hop.rtt;
        const std::string host = hop.addresses.empty() ? "???" : label(hop.addresses.front());
        std::string figures = fmt::format("{:5.1f}% {:5} {:5}", r.loss_percent(), r.sent(), r.received());
        if (r.received() > 0)
            figures += fmt::format(" {:7.2f} {:7.2f} {:7.2f} {:7.2f} {:7.2f}", r.last_ms(), r.mean_ms(), r.best_ms(),
                                   r.worst_ms(), r.stddev_ms());
        lines.push_back(fmt::format("{:>3}  {:<{}} {}", hop.ttl, host, host_width, figures));
        for (std::size_t i = 1; i < hop.addresses.size(); ++i)
            lines.push_back(fmt::format("{:>3}  {}", "", label(hop.addresses[i])));
    }
    return lines;
}

}  // namespace

std::vector<std::string> statistics_table(const std::vector<StatisticsSide>& sides, const AddressLabel& label) {
    std::vector<std::vector<std::string>> columns;
    std::vector<std::size_t> widths;
    std::size_t rows = 0;
    for (const auto& side : sides) {
        columns.push_back(side_lines(side, label));
        std::size_t width = 0;
        for (const auto& line : columns.back())
            width = std::max(width, line.size());
        widths.push_back(width);
        rows = std::max(rows, columns.back().size());
    }
    std::vector<std::string> out;
    for (std::size_t row = 0; row < rows; ++row) {
        std::string line;
        for (std::size_t c = 0; c < columns.size(); ++c) {
            const std::string cell = row < columns[c].size() ? columns[c][row] : std::string();
            line += c + 1 < columns.size() ? fmt::format("{:<{}}  |  ", cell, widths[c]) : cell;
        }
        while (!line.empty() && line.back() == ' ')
            line.pop_back();
        out.push_back(line);
    }
    return out;
}

}  // namespace rtt::client
