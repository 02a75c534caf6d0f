// SPDX-License-Identifier: MIT
#include "rounds.h"

#include <algorithm>

namespace rtt::client {
namespace {

constexpr std::int64_t kTickNs = 200'000'000;

}  // namespace

void RoundBuffer::on_end(const TraceSummary& summary) {
    if (summary.end != TraceEnd::interrupted) {
        for (const auto& hop : hops_) {
            record_.on_hop(hop);
            statistics_.on_hop(hop);
        }
        statistics_.on_end(summary);
        ++rounds_;
    }
    hops_.clear();
    record_.on_end(summary);
}

RunEnd run_rounds(LoopWaiter& waiter, const RoundsSchedule& schedule, RoundsControl& control,
                  const std::function<std::vector<ProbingTask*>()>& start_round,
                  const std::function<void()>& round_ended, const std::function<void()>& tick) {
    int done = 0;
    std::int64_t next_start = waiter.now_ns();
    while (!control.quit && (schedule.count == 0 || done < schedule.count)) {
        const std::int64_t now = waiter.now_ns();
        if (control.paused || now < next_start) {
            // Between rounds: Ctrl-C and the deadline still end the run, keys still work.
            if (const int signal = waiter.stop_requested())
                return {true, signal};
            if (schedule.deadline_ns && now >= schedule.deadline_ns)
                return {true, 0};
            if (tick)
                tick();
            std::int64_t until = std::min(control.paused ? now + kTickNs : next_start, now + kTickNs);
            if (schedule.deadline_ns)
                until = std::min(until, schedule.deadline_ns);
            waiter.wait_until(until);
            continue;
        }
        next_start = now + schedule.interval_ns;
        const std::vector<ProbingTask*> tasks = start_round();
        if (tasks.empty())
            break;
        const RunEnd end = run_loop(tasks, waiter, schedule.deadline_ns, tick);
        if (end.interrupted)
            return end;
        if (!control.quit) {
            ++done;
            round_ended();
        }
    }
    return {};
}

}  // namespace rtt::client
