// SPDX-License-Identifier: MIT
#include "measurement_files.h"

#include <algorithm>
#include <fstream>

#include <fmt/format.h>

#include "client_error.h"
#include "measurement/alias_resolution.h"
#include "measurement/flow_table.h"
#include "measurement/graph_render.h"
#include "measurement/trace_graph.h"

namespace rtt::client {
namespace {

// Every flow's path as far as it is known without a gap, from the client toward the server.
std::vector<AddressPath> client_to_server_paths(const RecordedDirection& direction) {
    std::vector<AddressPath> paths;
    const MultipathGraph graph = trace_graph(*direction.record, direction.root, direction.end_of_path);
    for (const auto& [flow, hops] : flow_paths(graph)) {
        AddressPath path{direction.root};
        unsigned expected = hops.empty() ? 0 : hops.begin()->first;
        for (const auto& [ttl, address] : hops) {
            if (ttl != expected || !address)
                break;
            path.push_back(*address);
            ++expected;
        }
        if (direction.direction == TraceDirection::reverse)
            std::reverse(path.begin(), path.end());
        paths.push_back(std::move(path));
    }
    return paths;
}

}  // namespace

void write_file(const std::string& path, const std::string& content) {
    std::ofstream file(path, std::ios::binary);
    file << content;
    file.close();
    if (!file)
        throw ClientError(fmt::format("cannot write {}: check that its directory exists and is writable", path));
}

std::vector<std::vector<IpAddress>> find_aliases(const std::vector<RecordedDirection>& recorded) {
    std::vector<AddressPath> forward, reverse;
    for (const auto& direction : recorded)
        for (auto& path : client_to_server_paths(direction))
            (direction.direction == TraceDirection::forward ? forward : reverse).push_back(std::move(path));
    return resolve_aliases(forward, reverse);
}

std::string aliases_text(const std::vector<std::vector<IpAddress>>& aliases) {
    std::string text;
    for (const auto& set : aliases) {
        // Appended piece by piece: `" " + address.to_string()` makes GCC 12 at -O3 report a false
        // -Wrestrict inside libstdc++.
        for (std::size_t i = 0; i < set.size(); ++i) {
            if (i > 0)
                text += ' ';
            text += set[i].to_string();
        }
        text += '\n';
    }
    return text;
}

void draw_measurement(const DrawingRequest& request, const MeasurementParameters& parameters,
                      const MeasurementContext& context, const std::vector<RecordedDirection>& recorded,
                      const std::map<IpAddress, std::string>& names,
                      const std::vector<std::vector<IpAddress>>& aliases) {
    std::vector<MultipathGraph> graphs;
    graphs.reserve(recorded.size());
    std::vector<DrawnDirection> drawn;
    for (const auto& direction : recorded) {
        const MultipathGraph found = trace_graph(*direction.record, direction.root, direction.end_of_path);
        graphs.push_back(request.merge ? found.merged() : found);
        const IpAddress& far_end = direction.root == context.source ? context.target : context.source;
        drawn.push_back({drawn_title(direction.direction, protocol_name(parameters.protocol), parameters.multipath,
                                     direction.root.to_string(), far_end.to_string()),
                         &graphs.back()});
    }
    write_file(request.path, render_graph(drawn, names, request.format, aliases));
}

}  // namespace rtt::client
