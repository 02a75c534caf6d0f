// SPDX-License-Identifier: MIT
// One thread drives every direction of a trace: epoll wakes it when an answer is queued on any
// receive socket or when a prober has a send or a timeout due.
#pragma once

#include <functional>
#include <span>

#include "io/prober.h"

namespace rtt::client {

// Something that probes until it has its answer (an engine, or a check before one).
class ProbingTask {
public:
    virtual ~ProbingTask() = default;
    virtual Prober& prober() = 0;
    virtual void start() = 0;
    virtual bool finished() const = 0;
};

// Starts every task and runs until all have finished; `tick`, if given, is called about every
// `tick_ns` while they run (progress display).
void run_until_finished(std::span<ProbingTask* const> tasks, const std::function<void()>& tick = {},
                        std::int64_t tick_ns = 200'000'000);

}  // namespace rtt::client
