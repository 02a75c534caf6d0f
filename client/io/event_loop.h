// SPDX-License-Identifier: MIT
// One thread drives every direction of a trace: epoll wakes it when an answer is queued on any
// receive socket or when a prober has a send or a timeout due.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>

#include "io/prober.h"

namespace rtt::client {

// Something that probes until it has its answer (an engine, or a check before one).
class ProbingTask {
public:
    virtual ~ProbingTask() = default;
    virtual Prober& prober() = 0;
    virtual void start() = 0;
    virtual bool finished() const = 0;
    // Ends the task now, reporting what it found so far as TraceEnd::interrupted (`why`: a
    // few words, e.g. "Ctrl-C").
    virtual void interrupt(const std::string& why) = 0;
};

// Why run_until_finished returned.
struct RunEnd {
    bool interrupted = false;  // by a signal or the deadline; the tasks were interrupted
    int signal = 0;            // SIGINT or SIGTERM, or 0 (the deadline)
};

// What the run loop waits on: its clock, answers arriving, and a request to stop. Raw sockets,
// epoll and SIGINT/SIGTERM on a real network (run_until_finished); the simulated network and its
// time in sim/, so that the simulator drives this same loop.
class LoopWaiter {
public:
    virtual ~LoopWaiter() = default;
    virtual std::int64_t now_ns() const = 0;
    // Returns when an answer may have arrived, or at `until_ns` at the latest.
    virtual void wait_until(std::int64_t until_ns) = 0;
    // SIGINT or SIGTERM when one asked to stop (once), else 0.
    virtual int stop_requested() = 0;
    // Wakes for packets arriving on these descriptors from now on (a new task's sockets).
    virtual void watch(std::span<const int> fds) { (void)fds; }
    // No longer wakes for `fd` (a command input that has ended, and stays readable).
    virtual void unwatch(int fd) { (void)fd; }
};

// Starts every task and runs them in one Scheduler (scheduler.h) until all have finished, a stop is requested (the
// tasks are interrupted: "Ctrl-C", "SIGTERM") or `deadline_ns` (the waiter's clock, 0: none) passes
// ("--deadline"). `tick`, if given, is called about every `tick_ns` (progress display).
RunEnd run_loop(std::span<ProbingTask* const> tasks, LoopWaiter& waiter, std::int64_t deadline_ns = 0,
                const std::function<void()>& tick = {}, std::int64_t tick_ns = 200'000'000);

// run_loop on the real network: CLOCK_MONOTONIC, the probers' sockets, SIGINT and SIGTERM. The
// two signals are blocked while it runs (they are read from a signalfd), and delivered as usual
// again afterwards.
RunEnd run_until_finished(std::span<ProbingTask* const> tasks, std::int64_t deadline_ns = 0,
                          const std::function<void()>& tick = {}, std::int64_t tick_ns = 200'000'000);

// The real network's waiter: CLOCK_MONOTONIC, epoll over the probers' sockets, and SIGINT and
// SIGTERM, which are blocked while it lives (read from a signalfd) and delivered as usual again
// afterwards. One waiter for all rounds of a report: Ctrl-C between two rounds is caught too.
std::unique_ptr<LoopWaiter> system_waiter();

}  // namespace rtt::client
