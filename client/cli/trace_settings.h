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

// What --tos, --payload and --size make of forward probes.
ProbeShape probe_shape(const ClientOptions& options);
// Whether forward probes carry a DNS query (UDP to port 53 without a payload of the user's).
bool probes_carry_dns(const ClientOptions& options);
// Why forward probes of these options cannot be sent on a route of `route_mtu` bytes toward a
// target of `family`, or nullopt (also for a reverse trace: its probes are the server's).
std::optional<std::string> forward_probe_problem(const ClientOptions& options, Family family,
                                                 std::optional<int> route_mtu);

// What the stored measurement records of the options.
MeasurementParameters measurement_parameters(const ClientOptions& options);

}  // namespace rtt::client
