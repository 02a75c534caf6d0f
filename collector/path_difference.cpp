// SPDX-License-Identifier: MIT
#include "path_difference.h"

#include <map>
#include <set>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "measurement/measurement_error.h"

namespace rtt::collector {
namespace {

using nlohmann::json;
using Link = std::pair<std::string, std::string>;

struct PathSets {
    std::set<std::string> hops;
    std::set<Link> links;
};

std::string hop_name(const json& vertex) {
    const std::string address = vertex.value("address", "***");
    return address != "***" ? address : fmt::format("*** at {}", vertex.value("ttl", 0));
}

// The hops and links of one trace (stored documents were checked when they came in: ids are
// 0..n-1 and successors name vertices of the same trace).
PathSets path_sets(const json& trace) {
    if (!trace.is_array())
        throw MeasurementError("a trace is not a list of vertices");
    std::map<std::int64_t, std::string> names;
    for (const auto& vertex : trace) {
        if (!vertex.is_object() || !vertex.contains("id") || !vertex["id"].is_number_integer())
            throw MeasurementError("a vertex has no id");
        names[vertex["id"].get<std::int64_t>()] = hop_name(vertex);
    }
    PathSets sets;
    for (const auto& vertex : trace) {
        const std::string& from = names[vertex["id"].get<std::int64_t>()];
        sets.hops.insert(from);
        for (const auto& successor : vertex.value("successors", json::array()))
            if (successor.is_number_integer())
                if (const auto to = names.find(successor.get<std::int64_t>()); to != names.end())
                    sets.links.insert({from, to->second});
    }
    return sets;
}

template <typename T>
json only_in(const std::set<T>& these, const std::set<T>& those) {
    json out = json::array();
    for (const auto& item : these)
        if (!those.count(item))
            out.push_back(json(item));
    return out;
}

const json& traces_of(const json& document) {
    const auto traces = document.find("traces");
    if (document.value("tool", json::object()).value("name", "") != "reverse-traceroute" || traces == document.end() ||
        !traces->is_object())
        throw MeasurementError("only measurements of reverse-traceroute can be compared");
    return *traces;
}

}  // namespace

json path_difference(const json& before, const json& after) {
    const json& old_traces = traces_of(before);
    const json& new_traces = traces_of(after);
    json directions = json::object();
    for (const char* direction : {"forward", "reverse"}) {
        if (!old_traces.contains(direction) && !new_traces.contains(direction))
            continue;
        const PathSets old_sets = old_traces.contains(direction) ? path_sets(old_traces[direction]) : PathSets{};
        const PathSets new_sets = new_traces.contains(direction) ? path_sets(new_traces[direction]) : PathSets{};
        json change{{"hops",
                     {{"appeared", only_in(new_sets.hops, old_sets.hops)},
                      {"disappeared", only_in(old_sets.hops, new_sets.hops)}}},
                    {"links",
                     {{"appeared", only_in(new_sets.links, old_sets.links)},
                      {"disappeared", only_in(old_sets.links, new_sets.links)}}}};
        change["unchanged"] = change["hops"]["appeared"].empty() && change["hops"]["disappeared"].empty() &&
                              change["links"]["appeared"].empty() && change["links"]["disappeared"].empty();
        change["traced"] = {{"before", old_traces.contains(direction)}, {"after", new_traces.contains(direction)}};
        directions[direction] = std::move(change);
    }
    return json{{"directions", directions}};
}

}  // namespace rtt::collector
