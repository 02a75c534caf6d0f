// SPDX-License-Identifier: MIT
#include "singlepath_engine.h"

#include <algorithm>

namespace rtt::client {

bool SinglePathEngine::Hop::settled() const {
    return std::all_of(slots.begin(), slots.end(), [](const Slot& s) { return s.settled; });
}

SinglePathEngine::SinglePathEngine(Prober& prober, SinglePathSettings settings, TraceObserver& observer)
    : prober_(prober),
      settings_(settings),
      observer_(observer),
      next_ttl_(settings.first_ttl),
      report_ttl_(settings.first_ttl) {}

void SinglePathEngine::start() {
    prober_.set_listener(this);
    open_hops();
}

std::uint8_t SinglePathEngine::last_useful_ttl() const {
    std::uint8_t last = end_ttl_ ? std::min(*end_ttl_, settings_.max_ttl) : settings_.max_ttl;
    return stop_after_ ? std::min(last, *stop_after_) : last;
}

void SinglePathEngine::stop_after(std::uint8_t ttl) {
    if (finished_ || (stop_after_ && *stop_after_ <= ttl))
        return;
    stop_after_ = ttl;
    if (report_ttl_ > ttl)
        finish({TraceEnd::max_ttl, std::nullopt, {}});
    else
        report_settled_hops();
}

void SinglePathEngine::open_hops() {
    const auto per_hop = static_cast<std::size_t>(settings_.probes_per_hop);
    while (!finished_ && next_ttl_ <= last_useful_ttl() &&
           (prober_.outstanding() == 0 || prober_.outstanding() + per_hop <= settings_.max_in_flight)) {
        const auto ttl = static_cast<std::uint8_t>(next_ttl_++);
        Hop& hop = hops_[ttl];
        hop.slots.resize(per_hop);
        for (Slot& slot : hop.slots) {
            slot.probe_id = prober_.submit(ttl, settings_.flow);
            slot.attempts = 1;
        }
    }
}

void SinglePathEngine::on_outcome(const ProbeOutcome& outcome) {
    if (finished_)
        return;
    const auto hop = hops_.find(outcome.probe.ttl);
    if (hop == hops_.end())
        return;
    const auto slot = std::find_if(hop->second.slots.begin(), hop->second.slots.end(),
                                   [&](const Slot& s) { return !s.settled && s.probe_id == outcome.probe.id; });
    if (slot == hop->second.slots.end())
        return;
    const std::uint8_t ttl = outcome.probe.ttl;
    if (const auto& answer = outcome.answer) {
        if (auto refusal = prober_.codec().refusal(*answer)) {
            finish({TraceEnd::failed, answer, std::move(*refusal)});
            return;
        }
        slot->settled = true;
        slot->reply = HopReply{answer, outcome.rtt_ms};
        auto& shortest = shortest_wait_ms_[ttl];
        shortest = shortest > 0 ? std::min(shortest, outcome.wait_ms) : outcome.wait_ms;
        shorten_waits(ttl);
        if (ends_path(*answer, prober_.codec().end_of_path()) && (!end_ttl_ || ttl < *end_ttl_)) {
            end_ttl_ = ttl;
            end_answer_ = answer;
        }
    } else if (slot->attempts <= settings_.retries && ttl <= last_useful_ttl()) {
        // A lost probe may be a rate-limited router, not a silent one: ask again, fresh id.
        slot->probe_id = prober_.submit(ttl, settings_.flow, 0, adaptive_wait_ns(ttl));
        ++slot->attempts;
    } else {
        slot->settled = true;
    }
    report_settled_hops();
    open_hops();
}

std::int64_t SinglePathEngine::adaptive_wait_ns(std::uint8_t ttl) const {
    double wait_ms = 0;
    const auto consider = [&](double factor, double answer_ms) {
        if (factor > 0 && answer_ms > 0)
            wait_ms = wait_ms > 0 ? std::min(wait_ms, factor * answer_ms) : factor * answer_ms;
    };
    for (auto it = shortest_wait_ms_.lower_bound(ttl); it != shortest_wait_ms_.end(); ++it)
        consider(it->first == ttl ? settings_.wait_here : settings_.wait_near, it->second);
    if (wait_ms <= 0)
        return 0;
    return std::max(kLeastAdaptiveWaitNs, static_cast<std::int64_t>(wait_ms * 1e6));
}

void SinglePathEngine::shorten_waits(std::uint8_t answered_ttl) {
    for (auto& [ttl, hop] : hops_) {
        if (ttl > answered_ttl)
            break;
        const std::int64_t wait = adaptive_wait_ns(ttl);
        if (wait == 0)
            continue;
        for (const Slot& slot : hop.slots)
            if (!slot.settled)
                prober_.limit_wait(slot.probe_id, wait);
    }
}

void SinglePathEngine::report_settled_hops() {
    while (!finished_) {
        const auto hop = hops_.find(static_cast<std::uint8_t>(report_ttl_));
        if (hop == hops_.end() || !hop->second.settled())
            return;
        HopResult result{hop->first, settings_.flow, {}, 0};
        for (const Slot& slot : hop->second.slots) {
            result.replies.push_back(slot.reply);
            result.sent += static_cast<std::uint32_t>(slot.attempts);
        }
        observer_.on_hop(result);
        silent_run_ = result.silent() ? silent_run_ + 1 : 0;
        ++report_ttl_;
        if (end_ttl_ && report_ttl_ > *end_ttl_) {
            const bool reached = end_answer_->responder == prober_.codec().end_of_path();
            finish({reached ? TraceEnd::reached : TraceEnd::unreachable, end_answer_, {}});
        } else if (silent_run_ >= settings_.abort_after) {
            finish({TraceEnd::no_reply, std::nullopt, {}});
        } else if (report_ttl_ > last_useful_ttl()) {
            finish({TraceEnd::max_ttl, std::nullopt, {}});
        }
    }
}

// The hops not reported yet, in order, up to the last one with an answer and never past the end
// of the path (probes beyond it reach the destination too): a probe still in flight counts as
// unanswered.
void SinglePathEngine::interrupt(const std::string& why) {
    if (finished_)
        return;
    unsigned last = 0;
    for (const auto& [ttl, hop] : hops_)
        if (ttl >= report_ttl_ && ttl <= last_useful_ttl() &&
            std::any_of(hop.slots.begin(), hop.slots.end(),
                        [](const Slot& slot) { return slot.reply.answer.has_value(); }))
            last = ttl;
    for (unsigned ttl = report_ttl_; ttl <= last; ++ttl) {
        HopResult result{static_cast<std::uint8_t>(ttl), settings_.flow, {}, 0};
        if (const auto hop = hops_.find(static_cast<std::uint8_t>(ttl)); hop != hops_.end())
            for (const Slot& slot : hop->second.slots) {
                result.replies.push_back(slot.reply);
                result.sent += static_cast<std::uint32_t>(slot.attempts);
            }
        observer_.on_hop(result);
    }
    finish({TraceEnd::interrupted, std::nullopt, why});
}

void SinglePathEngine::finish(TraceSummary summary) {
    finished_ = true;
    summary.probes_sent = prober_.probes_sent();
    summary.probes_answered = prober_.probes_answered();
    observer_.on_end(summary);
}

}  // namespace rtt::client
