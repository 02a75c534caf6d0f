// SPDX-License-Identifier: MIT
// Which way one trace runs: forward from this host toward the target, or reverse from the
// server back toward this host. A two-way measurement holds one trace of each.
#pragma once

#include <string_view>

namespace rtt {

enum class TraceDirection { forward, reverse };

inline constexpr TraceDirection kTraceDirections[] = {TraceDirection::forward, TraceDirection::reverse};

// "forward" / "reverse": the key of the trace in the stored measurement.
constexpr std::string_view trace_direction_name(TraceDirection direction) {
    return direction == TraceDirection::forward ? "forward" : "reverse";
}

}  // namespace rtt
