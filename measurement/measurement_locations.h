// SPDX-License-Identifier: MIT
// A stored measurement's places: every address its traces hold, located in an offline GeoIP
// database and kept as "locations" (address → place) with "geoip" (which database, who looked
// up). The client does it when it writes the measurement, the collector for a submission that
// carries none.
#pragma once

#include <map>
#include <string_view>

#include <nlohmann/json.hpp>

#include "measurement/geo_location.h"
#include "measurement/geoip_database.h"

namespace rtt {

// Adds "locations" and "geoip" to `measurement` (a document of json_measurement.h's form);
// returns how many addresses were located. `located_by`: "client" or "collector".
std::size_t add_locations(nlohmann::json& measurement, const GeoIpDatabase& database, std::string_view located_by);

// The places a measurement carries, those that are well-formed (a submission's are not trusted).
std::map<std::string, GeoLocation> measurement_locations(const nlohmann::json& measurement);

}  // namespace rtt
