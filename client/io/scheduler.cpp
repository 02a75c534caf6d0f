// SPDX-License-Identifier: MIT
#include "scheduler.h"

#include <signal.h>

#include <algorithm>
#include <stdexcept>

namespace rtt::client {

Scheduler::Scheduler(LoopWaiter& waiter, double probes_per_s) : waiter_(waiter) {
    if (probes_per_s > 0)
        budget_.emplace(probes_per_s);
}

Scheduler::~Scheduler() {
    for (auto& [id, entry] : tasks_)
        if (entry.notifies)
            entry.task->prober().notify_on_input({});
}

void Scheduler::add(ProbingTask& task, std::function<void()> done) {
    task.prober().set_budget(budget_ ? &*budget_ : nullptr);
    waiter_.watch(task.prober().receive_fds());
    const std::uint64_t id = next_id_++;
    Entry& entry = tasks_[id];
    entry.task = &task;
    entry.done = std::move(done);
    entry.notifies = task.prober().notify_on_input([this, id] { ready_.push_back(id); });
    polled_ += entry.notifies ? 0 : 1;
    ++unfinished_;
    task.start();
    note_finished(entry);
    refresh(id, entry);
    if (entry.finished)
        ready_.push_back(id);  // done at once (nothing to probe): retired in the next pass
}

void Scheduler::refresh(std::uint64_t id, Entry& entry) {
    if (entry.wakeup)
        wakeups_.erase({*entry.wakeup, id});
    const Prober& prober = entry.task->prober();
    entry.wakeup = prober.next_wakeup_ns();
    if (budget_) {
        // A probe ready now that did not leave was held back by the budget: wait in turn for it,
        // and be woken before that only for a timeout.
        const auto send = prober.next_send_ns();
        if (send && *send <= waiter_.now_ns()) {
            entry.wakeup = prober.next_timeout_ns();
            if (!entry.waiting_for_budget) {
                entry.waiting_for_budget = true;
                budget_waiters_.push_back(id);
            }
        }
    }
    if (entry.wakeup)
        wakeups_.insert({*entry.wakeup, id});
}

void Scheduler::note_finished(Entry& entry) {
    if (!entry.finished && entry.task->finished()) {
        entry.finished = true;
        --unfinished_;
    }
}

std::vector<std::uint64_t> Scheduler::all_ids() const {
    std::vector<std::uint64_t> ids;
    ids.reserve(tasks_.size());
    for (const auto& [id, entry] : tasks_)
        ids.push_back(id);
    return ids;
}

void Scheduler::retire(const std::vector<std::uint64_t>& ids, bool drained_or_not) {
    // `done` may add tasks: take the finished ones out first, then call them.
    std::vector<std::function<void()>> done;
    for (const std::uint64_t id : ids) {
        const auto found = tasks_.find(id);
        if (found == tasks_.end())
            continue;
        Entry& entry = found->second;
        note_finished(entry);
        if (!entry.finished || (!drained_or_not && entry.task->prober().outstanding() > 0))
            continue;
        if (entry.wakeup)
            wakeups_.erase({*entry.wakeup, id});
        if (entry.notifies)
            entry.task->prober().notify_on_input({});
        else
            --polled_;
        if (entry.done)
            done.push_back(std::move(entry.done));
        tasks_.erase(found);
    }
    for (const auto& call : done)
        call();
}

void Scheduler::interrupt_all(const std::string& why) {
    for (auto& [id, entry] : tasks_)
        if (!entry.task->finished())
            entry.task->interrupt(why);
    retire(all_ids(), true);
}

void Scheduler::interrupt(ProbingTask& task, const std::string& why) {
    for (auto& [id, entry] : tasks_)
        if (entry.task == &task) {
            if (!task.finished())
                task.interrupt(why);
            retire({id}, true);
            return;
        }
}

void Scheduler::service(std::uint64_t id, Entry& entry) {
    entry.task->prober().service();
    note_finished(entry);
    refresh(id, entry);
}

RunEnd Scheduler::run(std::int64_t deadline_ns, const std::function<void()>& tick, std::int64_t tick_ns) {
    std::int64_t next_tick = waiter_.now_ns() + tick_ns;
    std::vector<std::uint64_t> due;
    for (;;) {
        // Due: the probers with input, and those whose next send or timeout has come. Each
        // reads what is queued before it expires anything, so an answer that arrived in time
        // never counts as lost however late this loop gets to it.
        const std::int64_t now = waiter_.now_ns();
        due.clear();
        for (const std::uint64_t id : ready_)
            if (tasks_.count(id))
                due.push_back(id);
        ready_.clear();
        if (polled_ > 0)
            for (auto& [id, entry] : tasks_)
                if (!entry.notifies && entry.task->prober().has_input())
                    due.push_back(id);
        for (auto next = wakeups_.begin(); next != wakeups_.end() && next->first <= now; ++next)
            due.push_back(next->second);
        std::sort(due.begin(), due.end());
        due.erase(std::unique(due.begin(), due.end()), due.end());
        for (const std::uint64_t id : due)
            service(id, tasks_.at(id));
        // Then those waiting for the budget, in turn, while it has room.
        for (std::size_t turns = budget_waiters_.size(); turns > 0 && budget_->next_ns() <= now; --turns) {
            const std::uint64_t id = budget_waiters_.front();
            budget_waiters_.pop_front();
            if (const auto found = tasks_.find(id); found != tasks_.end()) {
                found->second.waiting_for_budget = false;
                service(id, found->second);
                due.push_back(id);
            }
        }
        retire(due, false);
        if (unfinished_ == 0) {
            retire(all_ids(), true);
            return {};
        }
        if (const int signal = waiter_.stop_requested()) {
            interrupt_all(signal == SIGINT ? "Ctrl-C" : "SIGTERM");
            return {true, signal};
        }
        if (deadline_ns && waiter_.now_ns() >= deadline_ns) {
            interrupt_all("--deadline");
            return {true, 0};
        }
        // Nothing pending anywhere yet a task is not finished: waiting would hang forever.
        if (wakeups_.empty() && budget_waiters_.empty())
            throw std::logic_error("a probing task stalled with nothing in flight");
        std::int64_t wakeup = wakeups_.empty() ? budget_->next_ns() : wakeups_.begin()->first;
        if (!budget_waiters_.empty())
            wakeup = std::min(wakeup, budget_->next_ns());
        if (tick) {
            if (waiter_.now_ns() >= next_tick) {
                tick();  // may interrupt tasks (a key pressed in the live view)
                for (auto& [id, entry] : tasks_)
                    note_finished(entry);
                next_tick = waiter_.now_ns() + tick_ns;
                if (unfinished_ == 0)
                    continue;
            }
            wakeup = std::min(wakeup, next_tick);
        }
        if (deadline_ns)
            wakeup = std::min(wakeup, deadline_ns);
        waiter_.wait_until(wakeup);
    }
}

}  // namespace rtt::client
