// SPDX-License-Identifier: MIT
#include "clock.h"

#include "io/raw_socket.h"

namespace rtt::client {
namespace {

class SystemClock final : public Clock {
public:
    std::int64_t monotonic_ns() const override { return rtt::client::monotonic_ns(); }
    std::int64_t realtime_ns() const override { return rtt::client::realtime_ns(); }
};

}  // namespace

const Clock& system_clock() {
    static const SystemClock clock;
    return clock;
}

}  // namespace rtt::client
