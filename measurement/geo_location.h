// SPDX-License-Identifier: MIT
// Where an address is, as an offline GeoIP database says: a country always, a city and
// coordinates when the database has them (DB-IP City Lite, GeoLite2 City), the origin AS when
// it carries one (IPinfo Lite). How a measurement stores it ("locations" per address) and how
// the text output shows it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace rtt {

struct GeoLocation {
    std::string country;  // ISO 3166-1 alpha-2, e.g. "DE"
    std::string city;     // English name, or empty
    std::optional<double> latitude;
    std::optional<double> longitude;
    std::optional<std::uint32_t> accuracy_radius_km;
    std::optional<std::uint32_t> asn;
    std::string as_name;

    bool has_coordinates() const { return latitude.has_value() && longitude.has_value(); }
    bool operator==(const GeoLocation&) const = default;
};

// The measurement's form: {"country": "DE", "city": "Augsburg", "latitude": 48.37,
// "longitude": 10.9, "accuracy_radius_km": 20, "asn": 64500, "as_name": "..."}, absent fields
// left out.
nlohmann::json geo_location_json(const GeoLocation& location);
// Back from that form; nullopt when it is not one (a submission's, so never trusted).
std::optional<GeoLocation> geo_location_from_json(const nlohmann::json& value);

// Text from a GeoIP file as it may be shown and stored: valid UTF-8 only (a byte that does not
// begin a well-formed character is dropped: the JSON writer refuses invalid UTF-8), no control
// characters (a terminal's escapes), at most `longest` bytes, never cut inside a character.
std::string printable_utf8(std::string_view bytes, std::size_t longest);

// "Augsburg, DE", "DE", or "AS64500" for an entry with neither.
std::string geo_location_label(const GeoLocation& location);

}  // namespace rtt
