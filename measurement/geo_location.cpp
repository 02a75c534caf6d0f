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

namespace {

// The length of the well-formed UTF-8 character at the start of `bytes` (RFC 3629: no
// overlong forms, no surrogates, nothing above U+10FFFF), or 0.
std::size_t utf8_character(std::string_view bytes) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(bytes[i]); };
    const unsigned char lead = byte(0);
    if (lead < 0x80)
        return 1;
    std::size_t length = 0;
    unsigned char low = 0x80, high = 0xbf;  // the second byte's range
    if (lead >= 0xc2 && lead <= 0xdf)
        length = 2;
    else if (lead >= 0xe0 && lead <= 0xef) {
        length = 3;
        low = lead == 0xe0 ? 0xa0 : 0x80;
        high = lead == 0xed ? 0x9f : 0xbf;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        length = 4;
        low = lead == 0xf0 ? 0x90 : 0x80;
        high = lead == 0xf4 ? 0x8f : 0xbf;
    } else {
        return 0;
    }
    if (bytes.size() < length || byte(1) < low || byte(1) > high)
        return 0;
    for (std::size_t i = 2; i < length; ++i)
        if (byte(i) < 0x80 || byte(i) > 0xbf)
            return 0;
    return length;
}

}  // namespace

std::string printable_utf8(std::string_view bytes, std::size_t longest) {
    std::string out;
    while (!bytes.empty()) {
        const std::size_t length = utf8_character(bytes);
        if (length == 0) {
            bytes.remove_prefix(1);
            continue;
        }
        const auto lead = static_cast<unsigned char>(bytes[0]);
        // C0 controls, DEL and the C1 controls (U+0080-U+009F, 0xc2 0x80-0x9f).
        const bool control =
            lead < 0x20 || lead == 0x7f || (length == 2 && lead == 0xc2 && static_cast<unsigned char>(bytes[1]) < 0xa0);
        if (!control) {
            if (out.size() + length > longest)
                break;
            out.append(bytes.substr(0, length));
        }
        bytes.remove_prefix(length);
    }
    return out;
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
