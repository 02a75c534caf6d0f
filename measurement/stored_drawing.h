// SPDX-License-Identifier: MIT
// Draws a stored measurement (the JSON document of --json/--store-json) with the same graphviz
// code as a live trace: the collector's graph.svg and anything else that only has the file.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace rtt {

// The drawing's bytes in `format`; throws MeasurementError with one sentence if the document has no
// traces in our layout or graphviz cannot draw it.
std::string draw_stored_measurement(const nlohmann::json& document, const std::string& format);

}  // namespace rtt
