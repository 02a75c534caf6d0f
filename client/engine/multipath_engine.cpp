// SPDX-License-Identifier: MIT
#include "multipath_engine.h"

#include <algorithm>
#include <cmath>

#include "log.h"

namespace rtt::client {
namespace {

// Flow values stay inside this range (the Augsburg client's), away from well-known ports.
constexpr unsigned kFlowLow = 10000;
constexpr unsigned kFlowRange = 65535 - kFlowLow;
// One probe per second to a rate-limited hop: Linux refills one ICMP error per second per peer.
constexpr std::int64_t kRateLimitedInterval = 1'000'000'000;
constexpr std::int64_t kShortestTimeout = 50'000'000;
// A flow that goes unanswered this many times while its hop is paced is silent there: a paced
// probe reaches a rate-limited router when it has an answer to spare.
constexpr int kPacedFailuresForSilence = 3;
// Flows given up as silent at a paced hop, with no answer ever needing a retry there, before
// the hop counts as holding a silent router rather than a rate limit, and is no longer paced.
constexpr int kSilentFlowsForUnpacing = 2;
// Probes sent back to back on one flow known to answer, to test a hop for a rate limit: more
// than Linux's burst of six, so a limited router must lose some.
constexpr int kLimitCheckProbes = 8;
// Unanswered probes at one TTL per vertex seen there: Linux answers a burst of six at once.
constexpr std::size_t kRouterBurst = 6;

}  // namespace

MultipathEngine::MultipathEngine(Prober& prober, IpAddress root, MultipathSettings settings, TraceObserver& observer)
    : prober_(prober),
      root_(root),
      settings_(settings),
      observer_(observer),
      stops_(settings.confidence),
      per_vertex_confidence_(settings.confidence),
      window_(settings.min_burst) {}

void MultipathEngine::start() {
    prober_.set_listener(this);
    add_default_todo();
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
        result =
            single_vertex(hop->second, static_cast<std::size_t>(stops_.flows_for(2)), prober_.codec().end_of_path());
    return single_cache_[ttl] = result;
}

bool MultipathEngine::wanted(std::uint8_t ttl, std::size_t flow) const {
    const auto found = wanted_.find(ttl);
    // Until a TTL has been planned, assume one vertex and send n_2 flows to test for a second.
    if (found == wanted_.end())
        return flow < static_cast<std::size_t>(stops_.flows_for(2));
    return found->second.count(flow) > 0;
}

void MultipathEngine::want(std::uint8_t ttl, std::size_t flow) {
    auto [entry, created] = wanted_.try_emplace(ttl);
    if (created)
        for (std::size_t i = 0; i < static_cast<std::size_t>(stops_.flows_for(2)); ++i)
            entry->second.insert(i);
    entry->second.insert(flow);
    add_todo(ttl, flow);
}

bool MultipathEngine::alive_before(std::uint8_t ttl, std::size_t flow) const {
    for (unsigned t = settings_.first_ttl; t < ttl; ++t) {
        const FlowObservation& observation = seen(static_cast<std::uint8_t>(t), flow);
        if (observation.state == FlowObservation::State::answered &&
            ends_path(*observation.answer, prober_.codec().end_of_path()))
            return false;
        if (observation.state == FlowObservation::State::silent &&
            silent_run(static_cast<std::uint8_t>(t), flow) >= settings_.abort_after)
            return false;
    }
    return true;
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
    case FlowObservation::State::answered: return !ends_path(*before.answer, prober_.codec().end_of_path());
    case FlowObservation::State::silent: return silent_run(previous, flow) < settings_.abort_after;
    case FlowObservation::State::unprobed: break;
    }
    // Not probed at the previous TTL: fine if that hop is one vertex every flow passes and this
    // flow is not probed there by plan; otherwise wait for its probe there.
    if (busy_.count({previous, flow}) || wanted(previous, flow) || !single(previous))
        return false;
    return reaches(previous, flow);
}

std::int64_t MultipathEngine::pacing_interval(std::uint8_t ttl, const Pacing& pacing) const {
    // Each router refills about one answer a second; a probe reaches a vertex with the share of
    // flows it has shown, so the busiest vertex sets the pace. Silent flows count in the
    // shares: probes lost to a silent router cost the answering ones nothing.
    std::map<IpAddress, std::size_t> per_vertex;
    std::size_t settled = 0;
    if (const auto hop = table_.find(ttl); hop != table_.end())
        for (const auto& observation : hop->second) {
            if (observation.state == FlowObservation::State::answered)
                ++per_vertex[observation.answer->responder];
            if (observation.state != FlowObservation::State::unprobed)
                ++settled;
        }
    std::size_t busiest = 0;
    for (const auto& [vertex, count] : per_vertex)
        busiest = std::max(busiest, count);
    const double share = settled == 0 ? 1.0 : static_cast<double>(busiest) / static_cast<double>(settled);
    const double interval = 2.0 * static_cast<double>(kRateLimitedInterval) * share * pacing.slowdown;
    return std::min(kRateLimitedInterval, static_cast<std::int64_t>(interval));
}

void MultipathEngine::send(std::uint8_t ttl, std::size_t flow, int attempt, int paced_failures) {
    std::int64_t not_before = 0;
    if (const auto paced = pacing_.find(ttl); paced != pacing_.end()) {
        not_before = std::max(paced->second.next_slot_ns, prober_.clock().monotonic_ns());
        paced->second.next_slot_ns = not_before + pacing_interval(ttl, paced->second);
    }
    // Early attempts give up after ten times the slowest answer seen (at least 50 ms), so a
    // probe a rate limit dropped is asked again soon; the last attempt waits the full timeout
    // for a slow router.
    std::int64_t timeout = 0;
    if (attempt <= settings_.retries && slowest_answer_ns_ > 0)
        timeout = std::clamp<std::int64_t>(10 * slowest_answer_ns_, kShortestTimeout, prober_.timeout_ns());
    const std::uint16_t id = prober_.submit(ttl, flow_value(flow), not_before, timeout);
    in_flight_[id] = Attempt{ttl, flow, attempt, not_before != 0, paced_failures};
    todo_.erase({flow, ttl});
    busy_.insert({ttl, flow});
    ++busy_at_[ttl];
    ++submitted_;
}

std::set<IpAddress> MultipathEngine::vertices_at(std::uint8_t ttl) const {
    std::set<IpAddress> vertices;
    if (const auto hop = table_.find(ttl); hop != table_.end())
        for (const auto& observation : hop->second)
            if (observation.state == FlowObservation::State::answered)
                vertices.insert(observation.answer->responder);
    return vertices;
}

std::size_t MultipathEngine::burst_limit(std::uint8_t ttl) const {
    return kRouterBurst * std::max<std::size_t>(1, vertices_at(ttl).size());
}

void MultipathEngine::note_answer(const Attempt& attempt) {
    if (attempt.number > 1)
        ++rate_limit_seen_[attempt.ttl];
    // Lost while paced, answered later: the routers there refill more slowly than assumed.
    if (const auto paced = pacing_.find(attempt.ttl); paced != pacing_.end() && attempt.paced_failures > 0)
        paced->second.slowdown = std::min(paced->second.slowdown * 2, 64.0);
}

void MultipathEngine::note_loss(const Attempt& attempt) {
    const std::uint8_t ttl = attempt.ttl;
    if (pacing_.count(ttl))
        return;
    // An answer that needed a retry proves a rate limit (or loss) at this hop, which pacing
    // cures; losses no retry ever recovered may be a silent router, which it cannot.
    if (silent_not_limited_.count(ttl)) {
        if (rate_limit_seen_[ttl] == 0)
            return;
        silent_not_limited_.erase(ttl);  // a rate limit after all: pace again
    }
    const auto vertices = vertices_at(ttl);
    if (vertices.empty())
        return;  // silent so far: a black hole, not a rate limit
    log(LogLevel::info, "ttl {} loses probes while answering others: rate limited, paced there", ttl);
    pacing_[ttl] = Pacing{prober_.clock().monotonic_ns(), 1.0};
}

void MultipathEngine::note_silent(std::uint8_t ttl) {
    ++silent_verdicts_[ttl];
    const auto paced = pacing_.find(ttl);
    if (paced == pacing_.end() || rate_limit_seen_[ttl] > 0 || silent_verdicts_[ttl] < kSilentFlowsForUnpacing ||
        limit_checks_.count(ttl))
        return;
    // Flows stay silent when paced and no retry was ever answered here: a silent router, or a
    // rate limit whose losses no retry happened to recover? Losses alone cannot tell (a silent
    // router beside a rate-limited one, the false `***` link of issue 15), so ask the hop:
    // probes back to back on a flow that answered before reach the same router every time.
    std::optional<std::size_t> known;
    if (const auto hop = table_.find(ttl); hop != table_.end())
        for (std::size_t flow = 0; flow < hop->second.size() && !known; ++flow)
            if (hop->second[flow].state == FlowObservation::State::answered &&
                !ends_path(*hop->second[flow].answer, prober_.codec().end_of_path()))
                known = flow;
    if (!known)
        return;
    LimitCheck& check = limit_checks_[ttl];
    for (int i = 0; i < kLimitCheckProbes; ++i) {
        check_ids_[prober_.submit(ttl, flow_value(*known))] = ttl;
        ++check.outstanding;
        ++submitted_;
    }
}

void MultipathEngine::on_limit_check(std::uint8_t ttl, bool answered) {
    LimitCheck& check = limit_checks_[ttl];
    --check.outstanding;
    check.lost += answered ? 0 : 1;
    if (check.outstanding > 0)
        return;
    if (check.lost > 0) {
        log(LogLevel::info, "ttl {}: {} of {} probes on one answering flow lost: rate limited, stays paced", ttl,
            check.lost, kLimitCheckProbes);
        ++rate_limit_seen_[ttl];
        return;
    }
    log(LogLevel::info,
        "ttl {}: flows stay silent when paced, yet {} probes back to back were all answered: a "
        "silent router, not a rate limit",
        ttl, kLimitCheckProbes);
    pacing_.erase(ttl);
    silent_not_limited_.insert(ttl);
}

void MultipathEngine::add_todo(std::uint8_t ttl, std::size_t flow) {
    if (ttl >= settings_.first_ttl && ttl <= settings_.max_ttl && !busy_.count({ttl, flow}) &&
        seen(ttl, flow).state == FlowObservation::State::unprobed)
        todo_.insert({flow, ttl});
}

void MultipathEngine::add_default_todo() {
    // A TTL not planned yet wants the first n_2 flows (wanted()).
    for (unsigned t = settings_.first_ttl; t <= settings_.max_ttl; ++t)
        if (!wanted_.count(static_cast<std::uint8_t>(t)))
            for (std::size_t flow = 0; flow < static_cast<std::size_t>(stops_.flows_for(2)); ++flow)
                add_todo(static_cast<std::uint8_t>(t), flow);
}

void MultipathEngine::send_eligible() {
    if (finished_)
        return;
    // Flow by flow, and within a flow TTL by TTL: consecutive probes go to different hops,
    // which spreads the load on each router (ICMP rate limits). Only cells still to probe are
    // visited, so a wide trace does not rescan every flow at every TTL per answer.
    std::map<std::uint8_t, std::size_t> limits;  // burst_limit per TTL, for this pass
    for (auto it = todo_.begin(); it != todo_.end();) {
        if (prober_.outstanding() >= window_)
            return;
        if (submitted_ >= settings_.max_probes) {
            budget_exhausted_ = true;
            return;
        }
        const auto [flow, ttl] = *it;
        if (!reaches(ttl, flow)) {
            it = todo_.lower_bound({flow + 1, 0});  // deeper TTLs of this flow must wait too
            continue;
        }
        auto limit = limits.find(ttl);
        if (limit == limits.end())
            limit = limits.emplace(ttl, burst_limit(ttl)).first;
        ++it;  // send() takes the cell off the list
        if (busy_at_[ttl] >= limit->second)
            continue;
        send(ttl, flow, 1, 0);
    }
}

void MultipathEngine::update_stopping_points() {
    if (!settings_.trace_bound)
        return;
    // Every vertex that does not end the path is tested for one more successor than it showed,
    // and each test may fail: the union bound splits the trace's failure probability among
    // them all (not only those seen branching: one seen with a single successor may have two).
    std::size_t tested = 0;
    for (const auto& [ttl, hop] : table_) {
        std::set<std::optional<IpAddress>> here;
        for (const auto& observation : hop)
            if (observation.state == FlowObservation::State::answered &&
                !ends_path(*observation.answer, prober_.codec().end_of_path()))
                here.insert(observation.answer->responder);
            else if (observation.state == FlowObservation::State::silent)
                here.insert(std::nullopt);
        tested += here.size();
    }
    const double per_vertex = settings_.confidence / static_cast<double>(std::max<std::size_t>(1, tested));
    if (per_vertex >= per_vertex_confidence_)
        return;  // never loosened: flows already asked for stay asked for
    per_vertex_confidence_ = per_vertex;
    stops_ = StoppingPoints(per_vertex);
    single_cache_.clear();
    add_default_todo();
}

void MultipathEngine::plan() {
    update_stopping_points();
    const IpAddress& end = prober_.codec().end_of_path();
    const auto successors_needed = [&](std::size_t successors) {
        return static_cast<std::size_t>(stops_.flows_for(static_cast<int>(std::max<std::size_t>(1, successors)) + 1));
    };
    // Adds `count` flows at `ttl` that were not probed there yet, lowest first.
    const auto add_new_flows = [&](std::uint8_t ttl, std::size_t count) {
        for (std::size_t flow = 0; count > 0; ++flow)
            if (!wanted(ttl, flow) && seen(ttl, flow).state == FlowObservation::State::unprobed &&
                alive_before(ttl, flow)) {
                want(ttl, flow);
                --count;
            }
    };
    for (const auto& [ttl, hop] : table_) {
        if (ttl < settings_.first_ttl || ttl > settings_.max_ttl)
            continue;
        const bool after_single = ttl == settings_.first_ttl || single(static_cast<std::uint8_t>(ttl - 1));
        if (after_single) {
            // Every flow passes the vertex before this hop: its successors are this hop's vertices.
            std::set<std::optional<IpAddress>> here;
            std::size_t probed = 0;
            for (std::size_t flow = 0; flow < hop.size(); ++flow) {
                const auto& observation = hop[flow];
                if (observation.state == FlowObservation::State::answered)
                    here.insert(observation.answer->responder);
                else if (observation.state == FlowObservation::State::silent)
                    here.insert(std::nullopt);
                if (observation.state != FlowObservation::State::unprobed || wanted(ttl, flow))
                    ++probed;
            }
            const std::size_t wanted_flows = successors_needed(here.size());
            if (probed < wanted_flows)
                add_new_flows(ttl, wanted_flows - probed);
            continue;
        }
        // Group the flows of the previous hop by the vertex they met there.
        const auto previous = static_cast<std::uint8_t>(ttl - 1);
        const auto before_hop = table_.find(previous);
        if (before_hop == table_.end())
            continue;
        const auto& before = before_hop->second;
        std::map<std::optional<IpAddress>, std::vector<std::size_t>> groups;
        std::size_t settled = 0;
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
            const std::size_t wanted_flows = successors_needed(successors.size());
            for (std::size_t i = 0; i < std::min(wanted_flows, flows.size()); ++i)
                want(ttl, flows[i]);
            if (flows.size() >= wanted_flows)
                continue;
            // Too few flows reach this vertex: probe new flows at the previous hop, as many as
            // its share of that hop says will bring the missing ones here.
            std::size_t pending_there = 0;  // new flows already on their way to the previous hop
            for (const std::size_t flow : wanted_.count(previous) ? wanted_.at(previous) : std::set<std::size_t>{})
                if (seen(previous, flow).state == FlowObservation::State::unprobed)
                    ++pending_there;
            const double share = static_cast<double>(flows.size()) / static_cast<double>(settled);
            // A share from a few flows is a rough estimate: grow a hop at most twofold a round.
            const auto more =
                std::min(static_cast<std::size_t>(std::ceil(static_cast<double>(wanted_flows - flows.size()) / share)),
                         std::max(settled, static_cast<std::size_t>(stops_.flows_for(2))));
            // While flows are still on their way to the previous hop its shares are not known
            // yet: wait for them rather than guess (over-asking costs most at rate-limited hops).
            // No flows are steered toward a black hole: its share cannot be aimed at, and a few
            // flows lost on the way make a tiny one, for which new flows would be asked round
            // after round without end (the issue 15 hang); the flows the answering vertices
            // bring show what follows a real silent router.
            if (pending_there == 0 && vertex)
                add_new_flows(previous, more);
        }
    }
    // A flow probed at a hop of several vertices must be probed at the hop before as well, or
    // its edge is unknown: carry wanted flows back over every hop that is not a single vertex.
    for (auto it = wanted_.rbegin(); it != wanted_.rend(); ++it) {
        const std::uint8_t ttl = it->first;
        if (ttl <= settings_.first_ttl)
            continue;
        const auto previous = static_cast<std::uint8_t>(ttl - 1);
        if (single(previous))
            continue;
        for (const std::size_t flow : std::set<std::size_t>(it->second))
            if (seen(previous, flow).state == FlowObservation::State::unprobed && alive_before(previous, flow))
                want(previous, flow);
    }
}

void MultipathEngine::on_outcome(const ProbeOutcome& outcome) {
    if (finished_)
        return;
    if (const auto check = check_ids_.find(outcome.probe.id); check != check_ids_.end()) {
        const std::uint8_t ttl = check->second;
        check_ids_.erase(check);
        on_limit_check(ttl, outcome.answer.has_value());
        end_round_if_due();
        return;
    }
    const auto found = in_flight_.find(outcome.probe.id);
    if (found == in_flight_.end())
        return;
    const Attempt attempt = found->second;
    in_flight_.erase(found);
    busy_.erase({attempt.ttl, attempt.flow});
    --busy_at_[attempt.ttl];
    if (const auto& answer = outcome.answer) {
        if (auto refusal = prober_.codec().refusal(*answer)) {
            finish({TraceEnd::failed, answer, std::move(*refusal)});
            return;
        }
        slowest_answer_ns_ = std::max(slowest_answer_ns_, static_cast<std::int64_t>(outcome.rtt_ms * 1e6));
        note_answer(attempt);
        FlowObservation& cell = record(attempt.ttl, attempt.flow);
        cell.state = FlowObservation::State::answered;
        cell.answer = answer;
        cell.rtt_ms = outcome.rtt_ms;
        cell.attempts = static_cast<std::uint16_t>(cell.attempts + attempt.number);
    } else {
        loss_in_round_ = true;
        window_ = settings_.min_burst;
        note_loss(attempt);
        const int paced_failures = attempt.paced_failures + (attempt.paced ? 1 : 0);
        if (attempt.number <= settings_.retries && paced_failures < kPacedFailuresForSilence &&
            submitted_ < settings_.max_probes) {
            // Silence may be a rate-limited router, not a silent one: ask again with a fresh id.
            send(attempt.ttl, attempt.flow, attempt.number + 1, paced_failures);
            return;
        }
        FlowObservation& cell = record(attempt.ttl, attempt.flow);
        cell.state = FlowObservation::State::silent;
        cell.attempts = static_cast<std::uint16_t>(cell.attempts + attempt.number);
        note_silent(attempt.ttl);
    }
    end_round_if_due();
}

void MultipathEngine::end_round_if_due() {
    send_eligible();
    // The round is over when nothing is out but probes waiting for a slot at a rate-limited
    // hop: work out what the next one needs without waiting for those.
    const bool only_paced_left = std::all_of(busy_at_.begin(), busy_at_.end(), [&](const auto& entry) {
        return entry.second == 0 || pacing_.count(entry.first) > 0;
    });
    if (!only_paced_left)
        return;
    if (prober_.outstanding() == 0 && !loss_in_round_)
        window_ = std::min(settings_.max_burst, window_ * 2);
    if (prober_.outstanding() == 0)
        loss_in_round_ = false;
    plan();
    send_eligible();
    if (prober_.outstanding() == 0)
        finish(summarize());
}

MultipathEngine::Progress MultipathEngine::progress() const {
    Progress progress;
    for (const auto& entry : table_) {
        const std::size_t here = vertices_at(entry.first).size();
        if (here > 0)
            progress.deepest_ttl = entry.first;
        progress.vertices += here;
    }
    return progress;
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

// The graph of what was found so far (finish() builds it from every answer received).
void MultipathEngine::interrupt(const std::string& why) {
    if (!finished_)
        finish({TraceEnd::interrupted, std::nullopt, why});
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
