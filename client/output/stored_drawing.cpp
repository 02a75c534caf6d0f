#include "output/stored_drawing.h"

#include <algorithm>

#include <fmt/format.h>

#include "client_error.h"
#include "output/graph_render.h"
#include "output/json_measurement.h"

namespace rtt::client {

std::string draw_stored_measurement(const nlohmann::json& document, const std::string& format) {
    std::vector<MultipathGraph> graphs;
    std::vector<DrawnDirection> drawn;
    std::map<IpAddress, std::string> names;
    try {
        const auto& traces = document.at("traces");
        graphs.reserve(2);
        for (const char* direction : {"forward", "reverse"}) {
            if (!traces.contains(direction))
                continue;
            graphs.push_back(graph_from_trace_json(traces.at(direction)).merged());
            drawn.push_back({fmt::format("{} {} {}: {} to {}", direction, document.value("protocol", "?"),
                                         document.value("engine", "?") == "multipath" ? "multipath" : "single path",
                                         document.value(direction == std::string("forward") ? "source" : "destination",
                                                        "?"),
                                         document.value(direction == std::string("forward") ? "destination" : "source",
                                                        "?")),
                             &graphs.back()});
        }
        if (const auto hostnames = document.find("hostnames"); hostnames != document.end() && hostnames->is_object())
            for (const auto& [address, name_list] : hostnames->items())
                if (const auto parsed = IpAddress::parse(address); parsed && name_list.is_array() && !name_list.empty())
                    names[*parsed] = name_list.front().get<std::string>();
    } catch (const nlohmann::json::exception& e) {
        throw ClientError(fmt::format("the measurement's traces are not in reverse-traceroute's layout ({})",
                                      e.what()));
    }
    if (std::all_of(graphs.begin(), graphs.end(), [](const auto& graph) { return graph.vertices.empty(); }))
        throw ClientError("the measurement holds no forward or reverse trace to draw");
    return render_graph(drawn, names, format);
}

}  // namespace rtt::client
