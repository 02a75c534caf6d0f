// SPDX-License-Identifier: MIT
// A measurement's located hops as GeoJSON (RFC 7946), for QGIS and the like: each direction's
// vertices with coordinates as Point features, and its links as LineString features from a
// located vertex to the next located ones (through hops without a location or silent ones,
// counted in "hidden_hops"; a link across the antimeridian is cut in two there, a
// MultiLineString). Properties say direction, TTL, address, name, place, AS and RTT.
#pragma once

#include <nlohmann/json.hpp>

namespace rtt {

// The name `--format` takes for it, and the file extension.
inline constexpr const char* kGeoJsonFormat = "geojson";

// From a measurement document (json_measurement.h's form, with "locations"); throws
// MeasurementError with one sentence when its traces are not well-formed.
nlohmann::json measurement_geojson(const nlohmann::json& measurement);

}  // namespace rtt
