// SPDX-License-Identifier: MIT
#include "measurement/geojson_export.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "measurement/json_measurement.h"
#include "measurement/measurement_locations.h"
#include "measurement/multipath_graph.h"

namespace rtt {
namespace {

// RFC 7946 positions: [longitude, latitude].
nlohmann::json position(const GeoLocation& place) {
    return nlohmann::json::array({*place.longitude, *place.latitude});
}

// A link as RFC 7946 §3.1.9 wants it: the short way round, and cut in two where it crosses the
// antimeridian (so that it is not drawn across the whole map).
nlohmann::json link_geometry(const GeoLocation& from, const GeoLocation& to) {
    const double lon1 = *from.longitude, lat1 = *from.latitude;
    double lon2 = *to.longitude;
    const double lat2 = *to.latitude;
    if (std::fabs(lon2 - lon1) <= 180)
        return {{"type", "LineString"}, {"coordinates", nlohmann::json::array({position(from), position(to)})}};
    // Unwrapped so that the step is the short one, then cut where it passes ±180.
    lon2 += lon2 < lon1 ? 360 : -360;
    const double edge = lon2 > lon1 ? 180 : -180;
    const double lat_edge = lat1 + (lat2 - lat1) * (edge - lon1) / (lon2 - lon1);
    return {{"type", "MultiLineString"},
            {"coordinates",
             nlohmann::json::array({nlohmann::json::array({position(from), nlohmann::json::array({edge, lat_edge})}),
                                    nlohmann::json::array({nlohmann::json::array({-edge, lat_edge}), position(to)})})}};
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

}  // namespace

nlohmann::json measurement_geojson(const nlohmann::json& measurement) {
    const auto places = measurement_locations(measurement);
    std::map<std::string, std::string> names;
    if (const auto hostnames = measurement.find("hostnames"); hostnames != measurement.end() && hostnames->is_object())
        for (const auto& [address, list] : hostnames->items())
            if (list.is_array() && !list.empty() && list.front().is_string())
                names.emplace(address, list.front().get<std::string>());

    nlohmann::json features = nlohmann::json::array();
    const auto traces = measurement.find("traces");
    if (traces != measurement.end() && traces->is_object())
        for (const auto& [direction, trace] : traces->items()) {
            const MultipathGraph graph = graph_from_trace_json(trace);
            // A vertex's place, if it has coordinates.
            std::map<int, const GeoLocation*> located;
            std::map<int, std::string> address_of;
            for (const auto& vertex : graph.vertices)
                if (vertex.address) {
                    address_of.emplace(vertex.id, vertex.address->to_string());
                    if (const auto it = places.find(vertex.address->to_string());
                        it != places.end() && it->second.has_coordinates())
                        located.emplace(vertex.id, &it->second);
                }
            for (const auto& vertex : graph.vertices) {
                const auto it = located.find(vertex.id);
                if (it == located.end())
                    continue;
                const std::string address = vertex.address->to_string();
                nlohmann::json properties = geo_location_json(*it->second);
                properties["direction"] = direction;
                properties["vertex"] = vertex.id;
                properties["ttl"] = vertex.ttl;
                properties["address"] = address;
                if (const auto name = names.find(address); name != names.end())
                    properties["hostname"] = name->second;
                if (!vertex.rtts_ms.empty())
                    properties["rtt_ms"] = median(vertex.rtts_ms);
                features.push_back({{"type", "Feature"},
                                    {"geometry", {{"type", "Point"}, {"coordinates", position(*it->second)}}},
                                    {"properties", std::move(properties)}});
            }
            // From each located vertex to the next located ones, through those without a place.
            for (const auto& [from, from_place] : located) {
                std::map<int, int> hidden;  // reached located vertex → fewest unlocated hops between
                // Breadth first, so the count is the fewest.
                std::vector<std::pair<int, int>> frontier{{from, 0}};
                std::set<int> seen{from};
                for (std::size_t next_up = 0; next_up < frontier.size(); ++next_up) {
                    const auto [at, between] = frontier[next_up];
                    for (const int next : graph.successors(at)) {
                        if (!seen.insert(next).second)
                            continue;
                        if (located.contains(next))
                            hidden.emplace(next, between);
                        else
                            frontier.emplace_back(next, between + 1);
                    }
                }
                for (const auto& [to, hops] : hidden) {
                    features.push_back({{"type", "Feature"},
                                        {"geometry", link_geometry(*from_place, *located.at(to))},
                                        {"properties",
                                         {{"direction", direction},
                                          {"from", address_of.at(from)},
                                          {"to", address_of.at(to)},
                                          {"hidden_hops", hops}}}});
                }
            }
        }
    return {{"type", "FeatureCollection"}, {"features", std::move(features)}};
}

}  // namespace rtt
