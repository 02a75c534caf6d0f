#include "multipath_engine.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "log.h"
#include "probe/reverse_codec.h"

namespace rtt::client {
namespace {

// Flow values stay inside this range (the Augsburg client's), away from well-known ports.
constexpr unsigned kFlowLow = 10000;
constexpr unsigned kFlowRange = 65535 - kFlowLow;

}  // namespace

MultipathEngine::MultipathEngine(Prober& prober, IpAddress root, MultipathSettings settings,
                                 TraceObserver& observer)
    : prober_(prober), root_(root), settings_(settings), observer_(observer), stops_(settings.confidence),
      window_(settings.min_burst) {}

void MultipathEngine::start() {
    prober_.set_listener(this);
    send_eligible();
    if (prober_.outstanding() == 0)
        finish(summarize());
}

std::uint16_t MultipathEngine::flow_value(std::size_t flow) {
    while (flow_values_.size() <= flow) {
        const unsigned offset = (settings_.first_flow - kFlowLow + flow_values_.size()) % kFlowRange;
        flow_values_.push_back(static_cast<std::uint16_t>(kFlowLow + offset));
    }
    return flow_values_[flow];
}

const FlowObservation& MultipathEngine::seen(std::uint8_t ttl, std::size_t flow) const {
    static const FlowObservation unprobed;
    const auto hop = table_.find(ttl);
    if (hop == table_.end() || flow >= hop->second.size())
        return unprobed;
    return hop->second[flow];
}

FlowObservation& MultipathEngine::record(std::uint8_t ttl, std::size_t flow) {
    auto& hop = table_[ttl];
    if (hop.size() <= flow)
        hop.resize(flow + 1);
    single_cache_.erase(ttl);
    return hop[flow];
}

const std::optional<IpAddress>& MultipathEngine::single(std::uint8_t ttl) const {
    const auto cached = single_cache_.find(ttl);
    if (cached != single_cache_.end())
        return cached->second;
    std::optional<IpAddress> result;
    if (const auto hop = table_.find(ttl); hop != table_.end())
        result = single_vertex(hop->second, static_cast<std::size_t>(stops_.flows_for(2)),
                               prober_.codec().end_of_path());
    return single_cache_[ttl] = result;
}

std::size_t MultipathEngine::need(std::uint8_t ttl) const {
    const auto found = need_.find(ttl);
    // Until a TTL shows otherwise, assume one vertex and ask n_2 flows to test for a second.
    return found != need_.end() ? found->second : static_cast<std::size_t>(stops_.flows_for(2));
}

void MultipathEngine::raise_need(std::uint8_t ttl, std::size_t flows) {
    if (flows > need(ttl))
        need_[ttl] = flows;
}

int MultipathEngine::silent_run(std::uint8_t ttl, std::size_t flow) const {
    int run = 0;
    while (ttl >= settings_.first_ttl && seen(ttl, flow).state == FlowObservation::State::silent) {
        ++run;
        --ttl;
    }
    return run;
}

bool MultipathEngine::reaches(std::uint8_t ttl, std::size_t flow) const {
    if (ttl <= settings_.first_ttl)
        return true;
    const auto previous = static_cast<std::uint8_t>(ttl - 1);
    const FlowObservation& before = seen(previous, flow);
    switch (before.state) {
    case FlowObservation::State::answered:
        return !ends_path(*before.answer, prober_.codec().end_of_path());
    case FlowObservation::State::silent:
        return silent_run(previous, flow) < settings_.abort_after;
    case FlowObservation::State::unprobed:
        break;
    }
    // Not probed at the previous TTL: fine if that hop is one vertex every flow passes and this
    // flow is not probed there by plan; otherwise wait for its probe there.
    if (busy_.count({previous, flow}) || flow < need(previous) || !single(previous))
        return false;
    return reaches(previous, flow);
}

void MultipathEngine::send(std::uint8_t ttl, std::size_t flow, int attempt) {
    const std::uint16_t id = prober_.submit(ttl, flow_value(flow));
    in_flight_[id] = Attempt{ttl, flow, attempt};
    busy_.insert({ttl, flow});
    ++submitted_;
}

void MultipathEngine::send_eligible() {
    if (finished_)
        return;
    std::size_t widest = 0;
    for (unsigned ttl = settings_.first_ttl; ttl <= settings_.max_ttl; ++ttl)
        widest = std::max(widest, need(static_cast<std::uint8_t>(ttl)));
    // Flow by flow, and within a flow TTL by TTL: consecutive probes go to different hops,
    // which spreads the load on each router (ICMP rate limits).
    for (std::size_t flow = 0; flow < widest; ++flow) {
        for (unsigned t = settings_.first_ttl; t <= settings_.max_ttl; ++t) {
            const auto ttl = static_cast<std::uint8_t>(t);
            if (prober_.outstanding() >= window_)
                return;
            if (submitted_ >= settings_.max_probes) {
                budget_exhausted_ = true;
                return;
            }
            if (flow >= need(ttl) || busy_.count({ttl, flow}) ||
                seen(ttl, flow).state != FlowObservation::State::unprobed)
                continue;
            if (!reaches(ttl, flow))
                break;  // deeper TTLs of this flow must wait too
            send(ttl, flow, 1);
        }
    }
}

void MultipathEngine::plan() {
    const IpAddress& end = prober_.codec().end_of_path();
    const auto successors_needed = [&](std::size_t successors) {
        return static_cast<std::size_t>(stops_.flows_for(static_cast<int>(std::max<std::size_t>(1, successors)) + 1));
    };
    for (const auto& [ttl, hop] : table_) {
        if (ttl < settings_.first_ttl || ttl > settings_.max_ttl)
            continue;
        const bool after_single = ttl == settings_.first_ttl || single(static_cast<std::uint8_t>(ttl - 1));
        if (after_single) {
            // Every flow passes the vertex before this hop: its successors are this hop.
            std::set<std::optional<IpAddress>> here;
            for (const auto& observation : hop)
                if (observation.state == FlowObservation::State::answered)
                    here.insert(observation.answer->responder);
                else if (observation.state == FlowObservation::State::silent)
                    here.insert(std::nullopt);
            raise_need(ttl, successors_needed(here.size()));
            continue;
        }
        // Group the flows of the previous hop by the vertex they met there.
        const auto previous = static_cast<std::uint8_t>(ttl - 1);
        std::map<std::optional<IpAddress>, std::vector<std::size_t>> groups;
        std::size_t settled = 0;
        const auto before_hop = table_.find(previous);
        if (before_hop == table_.end())
            continue;
        const auto& before = before_hop->second;
        for (std::size_t flow = 0; flow < before.size(); ++flow) {
            const FlowObservation& observation = before[flow];
            if (observation.state == FlowObservation::State::answered) {
                ++settled;
                if (!ends_path(*observation.answer, end))
                    groups[observation.answer->responder].push_back(flow);
            } else if (observation.state == FlowObservation::State::silent) {
                ++settled;
                if (silent_run(previous, flow) < settings_.abort_after)
                    groups[std::nullopt].push_back(flow);
            }
        }
        for (const auto& [vertex, flows] : groups) {
            std::set<std::optional<IpAddress>> successors;
            for (const std::size_t flow : flows) {
                const FlowObservation& next = seen(ttl, flow);
                if (next.state == FlowObservation::State::answered)
                    successors.insert(next.answer->responder);
                else if (next.state == FlowObservation::State::silent)
                    successors.insert(std::nullopt);
            }
            const std::size_t wanted = successors_needed(successors.size());
            if (flows.size() >= wanted) {
                raise_need(ttl, flows[wanted - 1] + 1);
                continue;
            }
            // Too few flows reach this vertex: probe more flows at the previous hop, as many
            // as its share of flows says will bring `wanted` of them here.
            raise_need(ttl, flows.back() + 1);
            const double share = static_cast<double>(flows.size()) / static_cast<double>(settled);
            const auto more = static_cast<std::size_t>(std::ceil(static_cast<double>(wanted) / share));
            raise_need(previous, std::max(more, need(previous) + 1));
            raise_need(ttl, need(previous));
        }
    }
    // A flow probed at a hop of several vertices must be probed at the hop before as well, or
    // its edge is unknown: carry counts back over every hop that is not a single vertex.
    for (auto it = table_.rbegin(); it != table_.rend(); ++it) {
        const std::uint8_t ttl = it->first;
        if (ttl <= settings_.first_ttl)
            continue;
        const auto previous = static_cast<std::uint8_t>(ttl - 1);
        if (!single(previous))
            raise_need(previous, need(ttl));
    }
}

void MultipathEngine::on_outcome(const ProbeOutcome& outcome) {
    if (finished_)
        return;
    const auto found = in_flight_.find(outcome.probe.id);
    if (found == in_flight_.end())
        return;
    const Attempt attempt = found->second;
    in_flight_.erase(found);
    busy_.erase({attempt.ttl, attempt.flow});
    if (const auto& answer = outcome.answer) {
        if (answer->kind == AnswerKind::not_a_server) {
            finish({TraceEnd::failed, answer,
                    fmt::format("{} answered like a plain ping: it runs no reverse traceroute server",
                                answer->responder.to_string())});
            return;
        }
        if (answer->kind == AnswerKind::server_refused) {
            finish({TraceEnd::failed, answer, server_state_message(answer->server_state)});
            return;
        }
        FlowObservation& cell = record(attempt.ttl, attempt.flow);
        cell.state = FlowObservation::State::answered;
        cell.answer = answer;
        cell.rtt_ms = outcome.rtt_ms;
    } else {
        loss_in_round_ = true;
        window_ = settings_.min_burst;
        if (attempt.number <= settings_.retries && submitted_ < settings_.max_probes) {
            // Silence may be a rate-limited router, not a silent one: ask again with a fresh id.
            send(attempt.ttl, attempt.flow, attempt.number + 1);
            return;
        }
        record(attempt.ttl, attempt.flow).state = FlowObservation::State::silent;
    }
    send_eligible();
    if (prober_.outstanding() > 0)
        return;
    // The round is over: work out what the next one needs.
    if (!loss_in_round_)
        window_ = std::min(settings_.max_burst, window_ * 2);
    loss_in_round_ = false;
    plan();
    send_eligible();
    if (prober_.outstanding() == 0)
        finish(summarize());
}

TraceSummary MultipathEngine::summarize() const {
    const IpAddress& end = prober_.codec().end_of_path();
    std::optional<Answer> reached;
    std::optional<Answer> refused;
    unsigned deepest = 0;
    for (const auto& [ttl, hop] : table_)
        for (const auto& observation : hop) {
            if (observation.state != FlowObservation::State::unprobed)
                deepest = std::max<unsigned>(deepest, ttl);
            if (observation.state != FlowObservation::State::answered)
                continue;
            if (observation.answer->responder == end)
                reached = reached ? reached : observation.answer;
            else if (ends_path(*observation.answer, end))
                refused = refused ? refused : observation.answer;
        }
    if (reached)
        return {TraceEnd::reached, reached, {}};
    if (refused)
        return {TraceEnd::unreachable, refused, {}};
    return {deepest >= settings_.max_ttl ? TraceEnd::max_ttl : TraceEnd::no_reply, std::nullopt, {}};
}

void MultipathEngine::finish(TraceSummary summary) {
    finished_ = true;
    summary.probes_sent = prober_.probes_sent();
    summary.probes_answered = prober_.probes_answered();
    if (budget_exhausted_)
        log(LogLevel::warning, "stopped after --max-probes {} probes: the graph may be incomplete",
            settings_.max_probes);
    if (summary.end != TraceEnd::failed) {
        const auto graph = build_graph(table_, flow_values_, root_, settings_.first_ttl,
                                       static_cast<std::size_t>(stops_.flows_for(2)), prober_.codec().end_of_path());
        observer_.on_graph(graph);
    }
    observer_.on_end(summary);
}

}  // namespace rtt::client
