// SPDX-License-Identifier: MIT
// The time the engines and the prober go by. On a real network it is the system's clocks; in
// the simulated network (sim/) it is simulated time, which jumps from one event to the next so
// a trace that takes minutes on the Internet runs in milliseconds.
#pragma once

#include <cstdint>

namespace rtt::client {

class Clock {
public:
    virtual ~Clock() = default;
    // For deadlines, pacing and timeouts (CLOCK_MONOTONIC on a real network).
    virtual std::int64_t monotonic_ns() const = 0;
    // For send stamps: the clock that receive timestamps are taken with (CLOCK_REALTIME).
    virtual std::int64_t realtime_ns() const = 0;
};

// The system's CLOCK_MONOTONIC and CLOCK_REALTIME.
const Clock& system_clock();

}  // namespace rtt::client
