// SPDX-License-Identifier: MIT
#include "output/statistics_table.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

namespace rtt::client {
namespace {

constexpr std::string_view kFigures = " Loss%   Snt   Rcv    Last     Avg    Best    Wrst   StDev";
constexpr std::string_view kShareColumn = " Flows";  // multipath: right-aligned percentages
constexpr std::string_view kSeparator = "  |  ";
constexpr std::size_t kHopColumn = 5;        // "Hop" right-aligned in 3, then two spaces
constexpr std::size_t kLeastHostWidth = 15;  // an IPv4 address, or the start of a name
constexpr std::string_view kShortened = "...";

// The width the figures of one hop line take after the host column.
std::size_t fixed_width(const StatisticsSide& side) {
    return kHopColumn + 1 + kFigures.size() + (side.flow_shares.empty() ? 0 : kShareColumn.size());
}

std::string fit(const std::string& text, std::size_t width) {
    if (text.size() <= width)
        return text;
    if (width <= kShortened.size())
        return text.substr(0, width);
    return text.substr(0, width - kShortened.size()) + std::string(kShortened);
}

std::size_t natural_host_width(const StatisticsSide& side, const AddressLabel& label) {
    std::size_t width = 4;
    for (const auto& hop : side.hops)
        for (const auto& address : hop.addresses)
            width = std::max(width, label(address).size());
    return width;
}

// One side's lines: heading, column names, then the hops, with hosts `host_width` wide.
std::vector<std::string> side_lines(const StatisticsSide& side, const AddressLabel& label, std::size_t host_width) {
    const bool shares = !side.flow_shares.empty();
    std::vector<std::string> lines;
    lines.push_back(fit(side.title, fixed_width(side) + host_width));
    lines.push_back(fmt::format("{:>3}  {:<{}}{} {}", "Hop", "Host", host_width, shares ? kShareColumn : "", kFigures));
    for (std::size_t row = 0; row < side.hops.size(); ++row) {
        const HopStatistics& hop = side.hops[row];
        const RttStatistics& r = hop.rtt;
        const std::string host = hop.addresses.empty() ? "???" : fit(label(hop.addresses.front()), host_width);
        std::string figures = fmt::format("{:5.1f}% {:5} {:5}", r.loss_percent(), r.sent(), r.received());
        if (r.received() > 0)
            figures += fmt::format(" {:7.2f} {:7.2f} {:7.2f} {:7.2f} {:7.2f}", r.last_ms(), r.mean_ms(), r.best_ms(),
                                   r.worst_ms(), r.stddev_ms());
        // Multipath: the TTL on the first vertex of its hop only, the others grouped under it.
        const bool same_hop = shares && row > 0 && side.hops[row - 1].ttl == hop.ttl;
        const std::string ttl = same_hop ? std::string() : std::to_string(hop.ttl);
        const std::string share = shares ? fmt::format(" {:>4.0f}%", 100 * side.flow_shares[row]) : std::string();
        lines.push_back(fmt::format("{:>3}  {:<{}}{} {}", ttl, host, host_width, share, figures));
        for (std::size_t i = 1; i < hop.addresses.size(); ++i)
            lines.push_back(fmt::format("{:>3}  {}", "", fit(label(hop.addresses[i]), host_width)));
    }
    return lines;
}

std::vector<std::string> side_by_side(const std::vector<std::vector<std::string>>& columns) {
    std::vector<std::size_t> widths;
    std::size_t rows = 0;
    for (const auto& column : columns) {
        std::size_t width = 0;
        for (const auto& line : column)
            width = std::max(width, line.size());
        widths.push_back(width);
        rows = std::max(rows, column.size());
    }
    std::vector<std::string> out;
    for (std::size_t row = 0; row < rows; ++row) {
        std::string line;
        for (std::size_t c = 0; c < columns.size(); ++c) {
            const std::string cell = row < columns[c].size() ? columns[c][row] : std::string();
            line += c + 1 < columns.size() ? fmt::format("{:<{}}{}", cell, widths[c], kSeparator) : cell;
        }
        while (!line.empty() && line.back() == ' ')
            line.pop_back();
        out.push_back(line);
    }
    return out;
}

}  // namespace

std::vector<std::string> statistics_table(const std::vector<StatisticsSide>& sides, const AddressLabel& label,
                                          std::size_t columns) {
    std::vector<std::size_t> natural;
    natural.reserve(sides.size());
    for (const auto& side : sides)
        natural.push_back(natural_host_width(side, label));
    const auto lines_with = [&](const std::vector<std::size_t>& host_widths) {
        std::vector<std::vector<std::string>> out;
        out.reserve(sides.size());
        for (std::size_t i = 0; i < sides.size(); ++i)
            out.push_back(side_lines(sides[i], label, host_widths[i]));
        return out;
    };
    const std::size_t separators = sides.empty() ? 0 : (sides.size() - 1) * kSeparator.size();
    std::size_t wanted = separators;
    std::size_t fixed_all = separators;
    for (std::size_t i = 0; i < sides.size(); ++i) {
        wanted += fixed_width(sides[i]) + natural[i];
        fixed_all += fixed_width(sides[i]);
    }
    if (columns == 0 || wanted <= columns)
        return side_by_side(lines_with(natural));
    // Side by side with every host column shortened alike, if a useful host width is left.
    if (columns > fixed_all && (columns - fixed_all) / sides.size() >= kLeastHostWidth) {
        std::vector<std::size_t> widths;
        widths.reserve(natural.size());
        for (const std::size_t width : natural)
            widths.push_back(std::min(width, (columns - fixed_all) / sides.size()));
        return side_by_side(lines_with(widths));
    }
    // One above the other, each host column as wide as the width leaves (the live view cuts what
    // a very narrow terminal cannot show).
    std::vector<std::string> out;
    for (std::size_t i = 0; i < sides.size(); ++i) {
        const std::size_t room = columns > fixed_width(sides[i]) ? columns - fixed_width(sides[i]) : 0;
        if (i > 0)
            out.emplace_back();
        for (auto& line : side_lines(sides[i], label, std::min(natural[i], std::max(room, kLeastHostWidth))))
            out.push_back(std::move(line));
    }
    return out;
}

StatisticsSide vertex_side(std::string title, const std::vector<VertexFigures>& vertices) {
    StatisticsSide side{std::move(title), {}, {}};
    for (const VertexFigures& vertex : vertices) {
        side.hops.push_back({vertex.ttl, {vertex.address}, vertex.rtt});
        side.flow_shares.push_back(vertex.flow_share);
    }
    return side;
}

std::size_t terminal_columns(int fd) {
    winsize size{};
    if (!isatty(fd) || ioctl(fd, TIOCGWINSZ, &size) != 0 || size.ws_col == 0)
        return 0;
    return size.ws_col;
}

}  // namespace rtt::client
