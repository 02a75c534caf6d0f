// SPDX-License-Identifier: MIT
#include "measurement/measurement_locations.h"

namespace rtt {

std::size_t add_locations(nlohmann::json& measurement, const GeoIpDatabase& database, std::string_view located_by) {
    nlohmann::json places = nlohmann::json::object();
    const auto traces = measurement.find("traces");
    if (traces != measurement.end() && traces->is_object())
        for (const auto& [direction, vertices] : traces->items()) {
            if (!vertices.is_array())
                continue;
            for (const auto& vertex : vertices) {
                if (!vertex.is_object() || !vertex.contains("address") || !vertex["address"].is_string())
                    continue;
                const auto& text = vertex["address"].get_ref<const std::string&>();
                if (places.contains(text))
                    continue;
                if (const auto address = IpAddress::parse(text))
                    if (const auto place = database.locate(*address))
                        places[text] = geo_location_json(*place);
            }
        }
    const std::size_t located = places.size();
    measurement["locations"] = std::move(places);
    measurement["geoip"] = {
        {"database_type", database.database_type()}, {"build_time", database.build_time()}, {"located_by", located_by}};
    return located;
}

std::map<std::string, GeoLocation> measurement_locations(const nlohmann::json& measurement) {
    std::map<std::string, GeoLocation> out;
    const auto places = measurement.find("locations");
    if (places == measurement.end() || !places->is_object())
        return out;
    for (const auto& [address, value] : places->items())
        if (const auto place = geo_location_from_json(value))
            out.emplace(address, *place);
    return out;
}

}  // namespace rtt
