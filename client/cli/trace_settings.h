// SPDX-License-Identifier: MIT
// The settings of a trace as the command line asked for it: derived once, then handed to the
// wiring of every direction (direction_wiring.h).
#pragma once

#include "cli/options.h"
#include "direction_wiring.h"

namespace rtt::client {

// `first_flow` is the multipath engine's first flow when --first-flow was not given (random).
TraceSettings trace_settings(const ClientOptions& options, std::uint16_t first_flow);

}  // namespace rtt::client
