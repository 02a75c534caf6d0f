// SPDX-License-Identifier: MIT
#include "measurement/flow_table.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

namespace rtt {

FlowPaths flow_paths(const MultipathGraph& graph) {
    FlowPaths paths;
    for (const auto& vertex : graph.vertices)
        if (vertex.id != 0)
            for (const std::uint16_t flow : vertex.flows)
                paths[flow][vertex.ttl] = vertex.address;
    return paths;
}

std::vector<std::string> flow_table(const MultipathGraph& graph) {
    std::map<std::uint16_t, std::map<unsigned, std::string>> cells;  // flow → ttl → address
    unsigned first = 255, last = 0;
    for (const auto& [flow, path] : flow_paths(graph))
        for (const auto& [ttl, address] : path) {
            first = std::min(first, ttl);
            last = std::max(last, ttl);
            cells[flow][ttl] = address ? address->to_string() : "*";
        }
    if (cells.empty())
        return {};
    std::map<unsigned, std::size_t> width;
    for (unsigned ttl = first; ttl <= last; ++ttl)
        width[ttl] = std::to_string(ttl).size();
    for (const auto& [flow, row] : cells)
        for (const auto& [ttl, text] : row)
            width[ttl] = std::max(width[ttl], text.size());
    std::vector<std::string> lines;
    std::string header = fmt::format("{:>5}", "flow");
    for (unsigned ttl = first; ttl <= last; ++ttl)
        header += fmt::format("  {:<{}}", ttl, width[ttl]);
    while (!header.empty() && header.back() == ' ')
        header.pop_back();
    lines.push_back(header);
    for (const auto& [flow, row] : cells) {
        std::string line = fmt::format("{:>5}", flow);
        for (unsigned ttl = first; ttl <= last; ++ttl) {
            const auto cell = row.find(ttl);
            line += fmt::format("  {:<{}}", cell == row.end() ? "-" : cell->second, width[ttl]);
        }
        while (!line.empty() && line.back() == ' ')
            line.pop_back();
        lines.push_back(line);
    }
    return lines;
}

}  // namespace rtt
