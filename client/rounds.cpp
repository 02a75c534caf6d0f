// SPDX-License-Identifier: MIT
#include "rounds.h"

#include <algorithm>

#include "log.h"

namespace rtt::client {
namespace {

constexpr std::int64_t kTickNs = 200'000'000;

std::vector<TraceObserver*> with_names(TraceObserver* names, std::vector<TraceObserver*> observers) {
    if (names)
        observers.insert(observers.begin(), names);
    return observers;
}

}  // namespace

void RoundBuffer::on_end(const TraceSummary& summary) {
    if (summary.end != TraceEnd::interrupted) {
        for (const auto& hop : hops_) {
            if (record_)
                record_->on_hop(hop);
            statistics_.on_hop(hop);
        }
        statistics_.on_end(summary);
        ++rounds_;
    }
    hops_.clear();
    if (record_)
        record_->on_end(summary);
}

DirectionRounds::DirectionRounds(TraceRecord& record, DirectionStatistics& hops, VertexStatistics& vertices,
                                 TraceObserver* names)
    : record_(record),
      vertices_(vertices),
      trace_round_(&record, hops),
      trace_observers_(with_names(names, {&trace_round_})),
      discovery_observers_(with_names(names, {&record, &vertices})),
      vertex_round_(nullptr, vertices) {}

bool DirectionRounds::start_round(DirectionWiring& wiring, const TraceSettings& settings) {
    if (record_.summary && record_.summary->end == TraceEnd::failed)
        return false;
    if (!settings.multipath)
        wiring.new_engine(settings, trace_observers_, !record_.summary);
    else if (!vertices_.discovered())
        wiring.new_engine(settings, discovery_observers_, !record_.summary);
    else {
        if (vertex_rounds_ == 0)
            log(LogLevel::info, "{}: discovery found {} vertices that answer; rounds over them start",
                trace_direction_name(wiring.direction), vertices_.vertices().size());
        wiring.new_vertex_round(vertices_.round_probes(vertex_rounds_++), vertex_round_);
    }
    return true;
}

RunEnd run_rounds(LoopWaiter& waiter, const RoundsSchedule& schedule, RoundsControl& control,
                  const std::function<std::vector<ProbingTask*>()>& start_round,
                  const std::function<void()>& round_ended, const std::function<void()>& tick) {
    int done = 0;
    bool discovering = schedule.discovery_first;
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
        if (discovering) {
            discovering = false;
        } else if (!control.quit) {
            ++done;
            round_ended();
        }
    }
    return {};
}

}  // namespace rtt::client
