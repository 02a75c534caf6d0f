// SPDX-License-Identifier: MIT
// Rounds (-c N, --live): the same trace again and again over the same flow, each round starting
// --interval after the one before (or when it ends, if later), until N are done, q, Ctrl-C or
// --deadline. Multipath discovers the graph first (a round that is not counted), then every
// round probes each vertex once (vertex_round_engine.h). Runs in the LoopWaiter it is given, so
// the simulator drives the same rounds as the client on a terminal.
#pragma once

#include <functional>
#include <vector>

#include "direction_wiring.h"
#include "io/event_loop.h"
#include "measurement/hop_statistics.h"
#include "measurement/trace_record.h"
#include "measurement/vertex_statistics.h"

namespace rtt::client {

// A round's hops count only once the round ended; a round cut short (q, Ctrl-C, --deadline)
// would count its probes still in flight as lost, so its hops are dropped. `record` (if any)
// keeps every round's hops and the last round's end.
class RoundBuffer final : public TraceObserver {
public:
    RoundBuffer(TraceRecord* record, TraceObserver& statistics) : record_(record), statistics_(statistics) {}
    void on_hop(const HopResult& hop) override { hops_.push_back(hop); }
    void on_end(const TraceSummary& summary) override;
    int rounds() const { return rounds_; }

private:
    TraceRecord* record_;
    TraceObserver& statistics_;
    std::vector<HopResult> hops_;
    int rounds_ = 0;
};

// What one direction keeps over rounds, and how its next round starts (the client and the
// simulator alike). Single path: the trace again, counted per TTL in `hops`. Multipath: the
// first round discovers the graph (kept in `record`, with its end), every later one probes each
// vertex once, counted per vertex in `vertices`. `names`, if given, also sees the traces (name
// lookups).
class DirectionRounds {
public:
    DirectionRounds(TraceRecord& record, DirectionStatistics& hops, VertexStatistics& vertices,
                    TraceObserver* names = nullptr);
    DirectionRounds(const DirectionRounds&) = delete;
    DirectionRounds& operator=(const DirectionRounds&) = delete;
    // Starts the direction's next round on `wiring`; false if it has none (it failed).
    bool start_round(DirectionWiring& wiring, const TraceSettings& settings);

private:
    TraceRecord& record_;
    VertexStatistics& vertices_;
    RoundBuffer trace_round_;
    ObserverFanOut trace_observers_;
    ObserverFanOut discovery_observers_;
    RoundBuffer vertex_round_;
    std::uint64_t vertex_rounds_ = 0;
};

struct RoundsSchedule {
    int count = 0;                 // rounds to run; 0: until stopped
    std::int64_t interval_ns = 0;  // from the start of one round to the start of the next
    std::int64_t deadline_ns = 0;  // on the waiter's clock; 0: none
    bool discovery_first = false;  // multipath: a first round finds the paths and is not counted
};

// What the live view's keys set while rounds run.
struct RoundsControl {
    bool paused = false;  // no new round starts
    bool quit = false;    // no new round starts (the keys interrupt the running one)
};

// Runs rounds until `schedule.count` are done, `control.quit`, a stop request or the deadline.
// `start_round` gives the tasks of a new round (none: stop); `round_ended` is called after each
// counted round that ran to its end; `tick`, if given, about every 200 ms meanwhile (keys, redraw).
RunEnd run_rounds(LoopWaiter& waiter, const RoundsSchedule& schedule, RoundsControl& control,
                  const std::function<std::vector<ProbingTask*>()>& start_round,
                  const std::function<void()>& round_ended, const std::function<void()>& tick = {});

}  // namespace rtt::client
