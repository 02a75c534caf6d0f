// SPDX-License-Identifier: MIT
// The settings of a trace as the command line asked for it: derived once, then handed to the
// wiring of every direction (direction_wiring.h).
#pragma once

#include "cli/options.h"
#include "direction_wiring.h"
#include "measurement/json_measurement.h"

namespace rtt::client {

// `first_flow` is the multipath engine's first flow when --first-flow was not given (random).
TraceSettings trace_settings(const ClientOptions& options, std::uint16_t first_flow);

// What the stored measurement records of the options.
MeasurementParameters measurement_parameters(const ClientOptions& options);

}  // namespace rtt::client
