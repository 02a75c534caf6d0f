// SPDX-License-Identifier: MIT
#include "engine/vertex_round_engine.h"

#include "log.h"

namespace rtt::client {

VertexRoundEngine::VertexRoundEngine(Prober& prober, std::vector<VertexProbe> probes, TraceObserver& observer)
    : prober_(prober), probes_(std::move(probes)), observer_(observer) {}

void VertexRoundEngine::start() {
    prober_.set_listener(this);
    for (const VertexProbe& probe : probes_)
        in_flight_[prober_.submit(probe.ttl, probe.flow)] = probe;
    sent_ = probes_.size();
    log(LogLevel::debug, "a round over {} vertices", probes_.size());
    if (in_flight_.empty())
        finish(TraceSummary{TraceEnd::reached, std::nullopt, {}});
}

void VertexRoundEngine::on_outcome(const ProbeOutcome& outcome) {
    const auto found = in_flight_.find(outcome.probe.id);
    if (finished_ || found == in_flight_.end())
        return;  // an earlier round's probe
    HopResult hop{found->second.ttl, found->second.flow, {HopReply{outcome.answer, outcome.rtt_ms}}, 1};
    in_flight_.erase(found);
    if (outcome.answer)
        ++answered_;
    observer_.on_hop(hop);
    if (in_flight_.empty())
        finish(TraceSummary{TraceEnd::reached, std::nullopt, {}});
}

void VertexRoundEngine::interrupt(const std::string& why) {
    if (finished_)
        return;
    finish(TraceSummary{TraceEnd::interrupted, std::nullopt, why});
}

void VertexRoundEngine::finish(TraceSummary summary) {
    finished_ = true;
    summary.probes_sent = sent_;
    summary.probes_answered = answered_;
    observer_.on_end(summary);
}

}  // namespace rtt::client
