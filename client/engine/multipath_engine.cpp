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
constexpr std::int64_t kShortestTimeout = 50'000'000;
// Flows lost at a paced hop that are also probed one TTL deeper, per hop, to see whether a
// silent router stands there beside the rate-limited ones.
constexpr int kDeeperLooks = 2;
// Unanswered probes at one TTL per vertex seen there: Linux answers a burst of six at once.
constexpr std::size_t kRouterBurst = 6;
// The per-packet test's failure probability per tested hop. Stricter than a branching point's:
// a missed branch shows as a gap, but a link drawn as certain is taken as fact, so a thousand
// traces through per-packet balancers should not show one false link.
constexpr double kPerPacketFailure = 1e-4;

// Answered repeats a hop needs to count as per flow: behind a per-packet balancer whose smallest
// next hop gets share S of the packets, a repeat meets another responder than its flow's first
// with probability at least S, so r repeats all miss with probability at most (1 - S)^r. S is
// --min-share, else 1/2 (even shares).
int per_packet_repeats(double confidence, double min_share) {
    const double failure = std::min(confidence, kPerPacketFailure);
    const double share = min_share > 0 ? min_share : 0.5;
    return static_cast<int>(std::ceil(std::log(failure) / std::log(1 - share)));
}

}  // namespace

MultipathEngine::MultipathEngine(Prober& prober, IpAddress root, MultipathSettings settings, TraceObserver& observer)
    : prober_(prober),
      root_(root),
      settings_(settings),
      observer_(observer),
      stops_(settings.confidence, StoppingRule::exact, settings.min_share),
      per_vertex_confidence_(settings.confidence),
      queries_(table_, stops_,
               PlanLimits{settings.first_ttl, settings.max_ttl, settings.abort_after, prober.codec().end_of_path()}),
      per_packet_(0),
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

FlowObservation& MultipathEngine::record(std::uint8_t ttl, std::size_t flow) {
    auto& hop = table_[ttl];
    if (hop.size() <= flow)
        hop.resize(flow + 1);
    queries_.forget(ttl);
    return hop[flow];
}

bool MultipathEngine::wanted(std::uint8_t ttl, std::size_t flow) const {
    return is_wanted(wanted_, ttl, flow, queries_.first_flows());
}

const std::vector<FlowObservation>* MultipathEngine::hop_at(std::uint8_t ttl) const {
    const auto hop = table_.find(ttl);
    return hop == table_.end() ? nullptr : &hop->second;
}

void MultipathEngine::report_links(std::uint8_t ttl, std::size_t flow) {
    const auto answered_by = [this, flow](unsigned at) -> std::optional<IpAddress> {
        if (at == 0)
            return root_;
        if (at < settings_.first_ttl || at > 255)
            return std::nullopt;
        const auto* hop = hop_at(static_cast<std::uint8_t>(at));
        if (hop == nullptr || hop->size() <= flow || (*hop)[flow].state != FlowObservation::State::answered)
            return std::nullopt;
        return (*hop)[flow].answer->responder;
    };
    const auto report = [this](unsigned from_ttl, const std::optional<IpAddress>& from,
                               const std::optional<IpAddress>& to) {
        if (!from || !to)
            return;
        const auto ttl_of_from = static_cast<std::uint8_t>(from_ttl);
        if (links_reported_.emplace(ttl_of_from, *from, *to).second)
            observer_.on_link(ttl_of_from, *from, *to);
    };
    const auto here = answered_by(ttl);
    report(ttl - 1U, answered_by(ttl - 1U), here);
    report(ttl, here, answered_by(ttl + 1U));
}

bool MultipathEngine::reaches(std::uint8_t ttl, std::size_t flow) const {
    if (ttl <= settings_.first_ttl)
        return true;
    const auto previous = static_cast<std::uint8_t>(ttl - 1);
    const FlowObservation& before = queries_.seen(previous, flow);
    switch (before.state) {
    case FlowObservation::State::answered: return !queries_.ends(before);
    case FlowObservation::State::silent: return queries_.silent_run(previous, flow) < settings_.abort_after;
    case FlowObservation::State::unprobed: break;
    }
    // Not probed at the previous TTL: fine if that hop is one vertex every flow passes and this
    // flow is not probed there by plan; otherwise wait for its probe there.
    if (busy_.count({previous, flow}) || wanted(previous, flow) || !queries_.single(previous))
        return false;
    return reaches(previous, flow);
}

void MultipathEngine::send(std::uint8_t ttl, std::size_t flow, int attempt, int paced_failures) {
    const std::int64_t not_before = rate_limits_.book_slot(ttl, hop_at(ttl), prober_.clock().monotonic_ns());
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

void MultipathEngine::note_silent(std::uint8_t ttl) {
    if (!rate_limits_.on_silent(ttl))
        return;
    // The check needs a flow that answered here without ending the path: the same router
    // answers it every time.
    std::optional<std::size_t> known;
    if (const auto* hop = hop_at(ttl))
        for (std::size_t flow = 0; flow < hop->size() && !known; ++flow)
            if ((*hop)[flow].state == FlowObservation::State::answered && !queries_.ends((*hop)[flow]))
                known = flow;
    if (!known)
        return;
    rate_limits_.check_started(ttl);
    for (int i = 0; i < RateLimitPacing::kCheckProbes; ++i) {
        check_ids_[prober_.submit(ttl, flow_value(*known))] = ttl;
        ++submitted_;
    }
}

void MultipathEngine::add_todo(std::uint8_t ttl, std::size_t flow) {
    if (ttl >= settings_.first_ttl && ttl <= settings_.max_ttl && !busy_.count({ttl, flow}) &&
        queries_.seen(ttl, flow).state == FlowObservation::State::unprobed)
        todo_.insert({flow, ttl});
}

void MultipathEngine::add_default_todo() {
    // A TTL not planned yet wants the first n_2 flows (wanted()).
    for (unsigned t = settings_.first_ttl; t <= settings_.max_ttl; ++t)
        if (!wanted_.count(static_cast<std::uint8_t>(t)))
            for (std::size_t flow = 0; flow < queries_.first_flows(); ++flow)
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
    const double per_vertex = trace_bound_share(queries_, settings_.confidence);
    if (per_vertex >= per_vertex_confidence_)
        return;  // never loosened: flows already asked for stay asked for
    per_vertex_confidence_ = per_vertex;
    stops_ = StoppingPoints(per_vertex, StoppingRule::exact, settings_.min_share);
    queries_.forget_all();
    add_default_todo();
}

void MultipathEngine::plan() {
    update_stopping_points();
    WantedFlows planned = plan_flows(queries_, wanted_);
    // Newly wanted cells go on the list of cells to probe.
    for (const auto& [ttl, flows] : planned) {
        const auto before = wanted_.find(ttl);
        for (const std::size_t flow : flows)
            if (before == wanted_.end() || !before->second.count(flow))
                add_todo(ttl, flow);
    }
    wanted_ = std::move(planned);
}

void MultipathEngine::on_outcome(const ProbeOutcome& outcome) {
    if (finished_)
        return;
    if (const auto repeat = repeat_ids_.find(outcome.probe.id); repeat != repeat_ids_.end()) {
        const PerPacketTest::Repeat sent = repeat->second;
        repeat_ids_.erase(repeat);
        std::optional<IpAddress> responder;
        if (outcome.answer && !prober_.codec().refusal(*outcome.answer))
            responder = outcome.answer->responder;
        for (const auto& next : per_packet_.on_outcome(sent, responder))
            send_repeat(next);
        end_round_if_due();
        return;
    }
    if (const auto check = check_ids_.find(outcome.probe.id); check != check_ids_.end()) {
        const std::uint8_t ttl = check->second;
        check_ids_.erase(check);
        rate_limits_.on_check_outcome(ttl, outcome.answer.has_value());
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
        rate_limits_.on_answer(attempt.ttl, attempt.number, attempt.paced_failures);
        const bool new_vertex = !vertices_at(attempt.ttl).count(answer->responder);
        FlowObservation& cell = record(attempt.ttl, attempt.flow);
        cell.state = FlowObservation::State::answered;
        cell.answer = answer;
        cell.rtt_ms = outcome.rtt_ms;
        cell.attempts = static_cast<std::uint16_t>(cell.attempts + attempt.number);
        if (new_vertex)
            observer_.on_vertex(attempt.ttl, *answer, outcome.rtt_ms);
        report_links(attempt.ttl, attempt.flow);
        note_silent_router_evidence(attempt.ttl, attempt.flow, answer->responder);
    } else {
        loss_in_round_ = true;
        window_ = settings_.min_burst;
        rate_limits_.on_loss(attempt.ttl, !vertices_at(attempt.ttl).empty(), prober_.clock().monotonic_ns());
        const int paced_failures = attempt.paced_failures + (attempt.paced ? 1 : 0);
        const bool may_retry = attempt.number <= settings_.retries &&
                               paced_failures < RateLimitPacing::kPacedFailuresForSilence &&
                               submitted_ < settings_.max_probes;
        if (may_retry && attempt.paced && silent_router_hops_.count(attempt.ttl)) {
            // Lost at a paced hop that holds a silent router: silent for now, so the flow goes
            // on; settled at the end.
            Attempt lost = attempt;
            lost.paced_failures = paced_failures;
            provisional_[{attempt.ttl, attempt.flow}] = lost;
        } else if (may_retry) {
            // Silence may be a rate-limited router, not a silent one: ask again with a fresh id.
            send(attempt.ttl, attempt.flow, attempt.number + 1, paced_failures);
            if (attempt.paced)
                look_deeper(attempt.ttl, attempt.flow);
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
        return entry.second == 0 || rate_limits_.paced(entry.first);
    });
    if (!only_paced_left)
        return;
    if (prober_.outstanding() == 0 && !loss_in_round_)
        window_ = std::min(settings_.max_burst, window_ * 2);
    if (prober_.outstanding() == 0)
        loss_in_round_ = false;
    settle_provisional_silence(false);
    plan();
    send_eligible();
    if (prober_.outstanding() == 0 && settle_provisional_silence(true))
        return;
    if (prober_.outstanding() == 0 && !per_packet_started_)
        start_per_packet_test();
    if (prober_.outstanding() == 0)
        finish(summarize());
}

bool MultipathEngine::answering_vertices_reach(std::uint8_t ttl, const IpAddress& vertex) const {
    // The hop's own vertices count too: a destination that lost an answer to its limit answers
    // the same flow one TTL deeper.
    if (vertices_at(ttl).count(vertex))
        return true;
    const auto* here = hop_at(ttl);
    const auto* next = ttl < settings_.max_ttl ? hop_at(static_cast<std::uint8_t>(ttl + 1)) : nullptr;
    if (here == nullptr || next == nullptr)
        return false;
    for (std::size_t flow = 0; flow < std::min(here->size(), next->size()); ++flow)
        if ((*here)[flow].state == FlowObservation::State::answered &&
            (*next)[flow].state == FlowObservation::State::answered && (*next)[flow].answer->responder == vertex)
            return true;
    return false;
}

void MultipathEngine::look_deeper(std::uint8_t ttl, std::size_t flow) {
    const auto next = static_cast<std::uint8_t>(ttl + 1);
    if (silent_router_hops_.count(ttl) || deeper_looks_[ttl] >= kDeeperLooks || ttl >= settings_.max_ttl ||
        ends_here(ttl) || busy_.count({next, flow}) ||
        queries_.seen(next, flow).state != FlowObservation::State::unprobed || submitted_ >= settings_.max_probes)
        return;
    ++deeper_looks_[ttl];
    send(next, flow, 1, 0);
}

void MultipathEngine::note_silent_router_evidence(std::uint8_t ttl, std::size_t flow, const IpAddress& responder) {
    if (ttl <= settings_.first_ttl)
        return;
    const auto previous = static_cast<std::uint8_t>(ttl - 1);
    if (!rate_limits_.paced(previous) || silent_router_hops_.count(previous) ||
        queries_.seen(previous, flow).state == FlowObservation::State::answered)
        return;
    // The flow got no answer one TTL before, yet met here a vertex that no vertex answering
    // there has led to (so far): it likely passed a router that never answers.
    if (answering_vertices_reach(previous, responder))
        return;
    log(LogLevel::info,
        "ttl {}: a flow lost there met {} one hop on, where no answering vertex leads: a silent router "
        "beside a rate limit, its lost flows go on at once",
        previous, responder.to_string());
    silent_router_hops_.insert(previous);
}

bool MultipathEngine::ends_here(std::uint8_t ttl) const {
    if (const auto* hop = hop_at(ttl))
        for (const auto& observation : *hop)
            if (queries_.ends(observation))
                return true;
    return false;
}

bool MultipathEngine::settle_provisional_silence(bool plan_done) {
    // A flow lost at a paced hop that met, one TTL deeper, a vertex an answering vertex of its
    // hop leads to may be one of that vertex's answers the rate limit dropped: asked again at
    // once (paced), up to RateLimitPacing::kPacedFailuresForSilence losses, as any lost probe
    // there. The rest waits for the plan to be done, when every answering vertex has shown its
    // successors with its n_k flows: one that met a vertex none of them leads to did not pass
    // them (a silent router, settled); one silent deeper too is asked again; one not probed
    // deeper is first probed there (one probe instead of two retries), unless its hop already
    // holds a settled black hole: then it shows nothing new either way.
    bool sent = false;
    std::set<std::uint8_t> holes;  // hops with a settled silent flow
    for (const auto& [ttl, hop] : table_)
        for (std::size_t flow = 0; flow < hop.size(); ++flow)
            if (hop[flow].state == FlowObservation::State::silent && !provisional_.count({ttl, flow}))
                holes.insert(ttl);
    for (auto it = provisional_.begin(); it != provisional_.end();) {
        const auto [ttl, flow] = it->first;
        const Attempt lost = it->second;
        const auto next = static_cast<std::uint8_t>(ttl + 1);
        const FlowObservation& after = queries_.seen(next, flow);
        const bool budget = submitted_ < settings_.max_probes;
        const bool answered_after = after.state == FlowObservation::State::answered;
        const bool ambiguous = budget && answered_after && answering_vertices_reach(ttl, after.answer->responder);
        if (busy_.count({next, flow}) || (!ambiguous && !plan_done)) {
            ++it;  // its probe one TTL deeper is out, or the verdict waits for the plan
            continue;
        }
        // Nothing is learnt past a hop that ends the path: ask that hop again instead.
        const bool deeper =
            ttl < settings_.max_ttl && !holes.count(ttl) && !ends_here(ttl) && queries_.alive_before(next, flow);
        if (!ambiguous && after.state == FlowObservation::State::unprobed && deeper && budget) {
            send(next, flow, 1, 0);
            sent = true;
            ++it;
            continue;
        }
        const bool unprobed_after = after.state == FlowObservation::State::unprobed;
        if (!ambiguous && (answered_after || !budget || (unprobed_after && !ends_here(ttl)))) {
            it = provisional_.erase(it);  // settled silent
            continue;
        }
        // Asked again: the cell is open until the retry's outcome, whose attempt number counts
        // the attempts so far.
        FlowObservation& cell = record(ttl, flow);
        const int earlier = cell.attempts >= lost.number ? cell.attempts - lost.number : 0;
        cell = FlowObservation{};
        cell.attempts = static_cast<std::uint16_t>(earlier);
        it = provisional_.erase(it);
        send(ttl, flow, lost.number + 1, lost.paced_failures);
        sent = true;
    }
    return sent;
}

void MultipathEngine::start_per_packet_test() {
    per_packet_started_ = true;
    const int repeats = per_packet_repeats(per_vertex_confidence_, settings_.min_share);
    per_packet_ = PerPacketTest(repeats);
    std::set<std::uint8_t> paced;
    for (const auto& [ttl, hop] : table_)
        if (rate_limits_.paced(ttl))
            paced.insert(ttl);
    for (const auto& repeat : per_packet_.start(table_, prober_.codec().end_of_path(), std::move(paced)))
        send_repeat(repeat);
}

void MultipathEngine::send_repeat(const PerPacketTest::Repeat& repeat) {
    if (submitted_ >= settings_.max_probes) {
        budget_exhausted_ = true;
        return;
    }
    // A lost repeat ends the hop's test (per_packet_test.h), so it need not wait the full timeout.
    const std::int64_t timeout =
        slowest_answer_ns_ > 0
            ? std::clamp<std::int64_t>(10 * slowest_answer_ns_, kShortestTimeout, prober_.timeout_ns())
            : 0;
    repeat_ids_[prober_.submit(repeat.ttl, flow_value(repeat.flow), 0, timeout)] = repeat;
    ++submitted_;
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
        auto graph = build_graph(table_, flow_values_, root_, settings_.first_ttl, queries_.first_flows(),
                                 prober_.codec().end_of_path());
        mark_per_packet(graph, per_packet_.varying(), per_packet_.per_flow());
        if (per_packet_.undecided() > 0)
            log(LogLevel::info,
                "{} of {} hops tested for per-packet balancing got no verdict (they rate limit, or lost a repeat): "
                "their links are drawn as the rounds found them",
                per_packet_.undecided(), per_packet_.tested());
        observer_.on_graph(graph);
    }
    observer_.on_end(summary);
}

}  // namespace rtt::client
