// SPDX-License-Identifier: MIT
#include "measurement/stored_drawing.h"

#include <algorithm>

#include <fmt/format.h>

#include "measurement/graph_render.h"
#include "measurement/json_measurement.h"
#include "measurement/measurement_error.h"

namespace rtt {

std::string draw_stored_measurement(const nlohmann::json& document, const std::string& format) {
    std::vector<MultipathGraph> graphs;
    std::vector<DrawnDirection> drawn;
    std::map<IpAddress, std::string> names;
    try {
        const auto& traces = document.at("traces");
        graphs.reserve(2);
        for (const TraceDirection direction : kTraceDirections) {
            const std::string name(trace_direction_name(direction));
            if (!traces.contains(name))
                continue;
            graphs.push_back(graph_from_trace_json(traces.at(name)).merged());
            const bool forward = direction == TraceDirection::forward;
            drawn.push_back(
                {drawn_title(direction, document.value("protocol", "?"), document.value("engine", "?") == "multipath",
                             document.value(forward ? "source" : "destination", "?"),
                             document.value(forward ? "destination" : "source", "?")),
                 &graphs.back()});
        }
        if (const auto hostnames = document.find("hostnames"); hostnames != document.end() && hostnames->is_object())
            for (const auto& [address, name_list] : hostnames->items())
                if (const auto parsed = IpAddress::parse(address); parsed && name_list.is_array() && !name_list.empty())
                    names[*parsed] = name_list.front().get<std::string>();
    } catch (const nlohmann::json::exception& e) {
        throw MeasurementError(
            fmt::format("the measurement's traces are not in reverse-traceroute's layout ({})", e.what()));
    }
    if (std::all_of(graphs.begin(), graphs.end(), [](const auto& graph) { return graph.vertices.empty(); }))
        throw MeasurementError("the measurement holds no forward or reverse trace to draw");
    return render_graph(drawn, names, format);
}

}  // namespace rtt
