// SPDX-License-Identifier: MIT
// What a submitted body must be before it is stored: our measurement (POST /api/v1/measurements,
// checked against docs/measurement.schema.json) or the Augsburg client's (POST /post_trace, any
// JSON object: its layout is theirs); and the indexed columns taken from it.
#pragma once

#include <string>
#include <variant>

#include "measurement/geoip_database.h"
#include "measurement_store.h"

namespace rtt::collector {

struct AcceptedSubmission {
    MeasurementColumns columns;
    std::string document;  // the body as received (with places added, when the collector adds them)
};

// The reason a body was refused, one line, for a 400 answer.
struct RefusedSubmission {
    std::string reason;
};

using Submission = std::variant<AcceptedSubmission, RefusedSubmission>;

// `places`: a measurement that carries no "locations" gets them from this database (null: none).
Submission check_measurement(const std::string& body, const GeoIpDatabase* places = nullptr);
Submission check_augsburg_measurement(const std::string& body);

}  // namespace rtt::collector
