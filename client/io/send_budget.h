// SPDX-License-Identifier: MIT
// A probes-per-second budget that many probers share (every trace a scheduler runs): a probe may
// leave when the budget has one to spare. Kept as the time the next probe is due (the generic
// cell rate algorithm), with a burst of at most 10 ms worth of probes, so the rate holds over any
// window longer than that and no trace can take the budget of a whole second at once.
#pragma once

#include <algorithm>
#include <cstdint>
#include <stdexcept>

namespace rtt::client {

class SendBudget {
public:
    explicit SendBudget(double probes_per_s)
        : interval_ns_(probes_per_s > 0 ? static_cast<std::int64_t>(1e9 / probes_per_s)
                                        : throw std::invalid_argument("a send budget needs a positive rate")),
          burst_ns_(std::max<std::int64_t>(0, 10'000'000 - interval_ns_)) {}

    // Takes one probe's share at `now_ns` if the budget has it.
    bool take(std::int64_t now_ns) {
        if (now_ns < due_ns_ - burst_ns_)
            return false;
        due_ns_ = std::max(due_ns_, now_ns) + interval_ns_;
        return true;
    }
    // When the next probe's share is there (never before `now_ns` in effect).
    std::int64_t next_ns() const { return due_ns_ - burst_ns_; }
    std::int64_t interval_ns() const { return interval_ns_; }

private:
    std::int64_t interval_ns_;
    std::int64_t burst_ns_;
    std::int64_t due_ns_ = 0;
};

}  // namespace rtt::client
