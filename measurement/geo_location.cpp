// SPDX-License-Identifier: MIT
#include "measurement/geo_location.h"

#include <cmath>

#include <fmt/format.h>

namespace rtt {

nlohmann::json geo_location_json(const GeoLocation& location) {
    nlohmann::json out = nlohmann::json::object();
    if (!location.country.empty())
        out["country"] = location.country;
    if (!location.city.empty())
        out["city"] = location.city;
    if (location.has_coordinates()) {
        out["latitude"] = *location.latitude;
        out["longitude"] = *location.longitude;
    }
    if (location.accuracy_radius_km)
        out["accuracy_radius_km"] = *location.accuracy_radius_km;
    if (location.asn)
        out["asn"] = *location.asn;
    if (!location.as_name.empty())
        out["as_name"] = location.as_name;
    return out;
}

std::optional<GeoLocation> geo_location_from_json(const nlohmann::json& value) {
    if (!value.is_object())
        return std::nullopt;
    GeoLocation location;
    const auto text = [&](const char* key, std::string& into, std::size_t longest) {
        const auto it = value.find(key);
        if (it == value.end())
            return true;
        if (!it->is_string() || it->get_ref<const std::string&>().size() > longest)
            return false;
        into = it->get<std::string>();
        return true;
    };
    const auto degrees = [&](const char* key, std::optional<double>& into, double limit) {
        const auto it = value.find(key);
        if (it == value.end())
            return true;
        if (!it->is_number() || !std::isfinite(it->get<double>()) || std::fabs(it->get<double>()) > limit)
            return false;
        into = it->get<double>();
        return true;
    };
    const auto whole = [&](const char* key, std::optional<std::uint32_t>& into) {
        const auto it = value.find(key);
        if (it == value.end())
            return true;
        if (!it->is_number_unsigned() || it->get<std::uint64_t>() > UINT32_MAX)
            return false;
        into = static_cast<std::uint32_t>(it->get<std::uint64_t>());
        return true;
    };
    if (!text("country", location.country, 8) || !text("city", location.city, 200) ||
        !text("as_name", location.as_name, 200) || !degrees("latitude", location.latitude, 90) ||
        !degrees("longitude", location.longitude, 180) || !whole("accuracy_radius_km", location.accuracy_radius_km) ||
        !whole("asn", location.asn))
        return std::nullopt;
    // Coordinates come in pairs.
    if (location.latitude.has_value() != location.longitude.has_value())
        return std::nullopt;
    return location;
}

std::string geo_location_label(const GeoLocation& location) {
    if (!location.city.empty() && !location.country.empty())
        return fmt::format("{}, {}", location.city, location.country);
    if (!location.country.empty())
        return location.country;
    if (!location.city.empty())
        return location.city;
    if (location.asn)
        return fmt::format("AS{}", *location.asn);
    return "?";
}

}  // namespace rtt
