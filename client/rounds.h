// SPDX-License-Identifier: MIT
// Rounds (-c N, --live): the same trace again and again over the same flow, each round starting
// --interval after the one before (or when it ends, if later), until N are done, q, Ctrl-C or
// --deadline. Runs in the LoopWaiter it is given, so the simulator drives the same rounds as the
// client on a terminal.
#pragma once

#include <functional>
#include <vector>

#include "io/event_loop.h"
#include "measurement/hop_statistics.h"
#include "measurement/trace_record.h"

namespace rtt::client {

// A round's hops count only once the round ended; a round cut short (q, Ctrl-C, --deadline)
// would count its probes still in flight as lost, so its hops are dropped.
class RoundBuffer final : public TraceObserver {
public:
    RoundBuffer(TraceRecord& record, DirectionStatistics& statistics) : record_(record), statistics_(statistics) {}
    void on_hop(const HopResult& hop) override { hops_.push_back(hop); }
    void on_end(const TraceSummary& summary) override;
    int rounds() const { return rounds_; }

private:
    TraceRecord& record_;
    DirectionStatistics& statistics_;
    std::vector<HopResult> hops_;
    int rounds_ = 0;
};

struct RoundsSchedule {
    int count = 0;                 // rounds to run; 0: until stopped
    std::int64_t interval_ns = 0;  // from the start of one round to the start of the next
    std::int64_t deadline_ns = 0;  // on the waiter's clock; 0: none
};

// What the live view's keys set while rounds run.
struct RoundsControl {
    bool paused = false;  // no new round starts
    bool quit = false;    // no new round starts (the keys interrupt the running one)
};

// Runs rounds until `schedule.count` are done, `control.quit`, a stop request or the deadline.
// `start_round` gives the tasks of a new round (none: stop); `round_ended` is called after each
// round that ran to its end; `tick`, if given, about every 200 ms meanwhile (keys, redraw).
RunEnd run_rounds(LoopWaiter& waiter, const RoundsSchedule& schedule, RoundsControl& control,
                  const std::function<std::vector<ProbingTask*>()>& start_round,
                  const std::function<void()>& round_ended, const std::function<void()>& tick = {});

}  // namespace rtt::client
