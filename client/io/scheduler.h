// SPDX-License-Identifier: MIT
// The one loop every probing task runs in: one trace's directions on the command line, many
// traces at once for a program that holds them (the prober service, campaigns). It owns the
// waiting (the LoopWaiter: the clock, answers arriving, a request to stop) and the probes/s
// budget all tasks share; tasks may join while it runs, and leave when they finish. A pass
// services only the probers with input or with something due (a heap of wakeups), so thousands
// of traces cost little more per probe than one; with many traces their probers share a wire
// (wire_mux.h). The engines inside know no sockets and no clock source.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "io/event_loop.h"
#include "io/send_budget.h"

namespace rtt::client {

class Scheduler {
public:
    // `probes_per_s` 0: no budget beyond each prober's own pacing.
    explicit Scheduler(LoopWaiter& waiter, double probes_per_s = 0);
    ~Scheduler();
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    // Starts `task` now and runs it until it finishes; `done` is called once then (also when it
    // was interrupted), and may add further tasks.
    void add(ProbingTask& task, std::function<void()> done = {});
    std::size_t running() const { return tasks_.size(); }
    LoopWaiter& waiter() { return waiter_; }

    // Runs until every task has finished, a stop is requested (the tasks are interrupted:
    // "Ctrl-C", "SIGTERM") or `deadline_ns` (the waiter's clock, 0: none) passes ("--deadline").
    // `tick`, if given, is called about every `tick_ns` (progress display, keys).
    RunEnd run(std::int64_t deadline_ns = 0, const std::function<void()>& tick = {},
               std::int64_t tick_ns = 200'000'000);
    // Interrupts every task still running with `why`.
    void interrupt_all(const std::string& why);
    // Interrupts `task` (added, and not yet done) with `why` and retires it at once: its `done`
    // is called before this returns, without waiting for its probes still out.
    void interrupt(ProbingTask& task, const std::string& why);

private:
    struct Entry {
        ProbingTask* task = nullptr;
        std::function<void()> done;
        std::optional<std::int64_t> wakeup;  // as filed in wakeups_
        bool finished = false;               // as last seen
        bool waiting_for_budget = false;     // in budget_waiters_
        bool notifies = false;               // its wire says when input arrives (into ready_)
    };
    // Files the entry's next wakeup after it was serviced (or started).
    void refresh(std::uint64_t id, Entry& entry);
    // Lets the task's prober read, expire and send what is due.
    void service(std::uint64_t id, Entry& entry);
    // Notes a task that has finished since it was last looked at.
    void note_finished(Entry& entry);
    // Calls `done` for the finished tasks among `ids` and forgets them. A finished task's
    // prober is serviced on while others run, until its late answers and timeouts are in (its
    // counters stay true), unless `drained_or_not`.
    void retire(const std::vector<std::uint64_t>& ids, bool drained_or_not);
    std::vector<std::uint64_t> all_ids() const;

    LoopWaiter& waiter_;
    std::optional<SendBudget> budget_;
    std::map<std::uint64_t, Entry> tasks_;                      // by id, in the order added
    std::set<std::pair<std::int64_t, std::uint64_t>> wakeups_;  // (when, id): who is due next
    // Probers with a probe ready that the budget holds back, in turn: when the budget has room,
    // the first is serviced, not all of them (one probe's room would wake thousands).
    std::deque<std::uint64_t> budget_waiters_;
    std::vector<std::uint64_t> ready_;  // told of input since the last pass
    std::size_t polled_ = 0;            // tasks whose wires cannot tell: asked every pass
    std::uint64_t next_id_ = 0;
    std::size_t unfinished_ = 0;
};

}  // namespace rtt::client
