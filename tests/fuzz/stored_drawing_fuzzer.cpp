// SPDX-License-Identifier: MIT
// libFuzzer target: a stored document as GET /api/v1/measurements/N/graph.svg reads it (any JSON
// the Augsburg endpoint took, or an old database's row) into the graph model and draws it, and
// as --format geojson turns its places into a map.
// Allowed outcomes: a drawing or a MeasurementError; anything else is a finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "measurement/geojson_export.h"
#include "measurement/measurement_error.h"
#include "measurement/stored_drawing.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto document = nlohmann::json::parse(data, data + size, nullptr, false);
    if (document.is_discarded() || !document.is_object())
        return 0;
    try {
        rtt::draw_stored_measurement(document, "dot");
    } catch (const rtt::MeasurementError&) {
    }
    try {
        (void)rtt::measurement_geojson(document).dump();
    } catch (const rtt::MeasurementError&) {
    }
    return 0;
}
