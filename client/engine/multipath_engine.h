// SPDX-License-Identifier: MIT
// Multipath discovery in Diamond-Miner rounds (docs/multipath.md §1, §2): every TTL is probed
// at once with flows from one shared list, so a flow seen at consecutive TTLs gives an edge.
// Between rounds the flows each TTL needs are worked out from the stopping points n_k of the
// vertices seen so far: each vertex needs n_{k+1} of its own flows probed at the next TTL, where
// k is how many successors those flows showed (node control; the vertex's share of flows
// estimates how many new flows reach it). Within a round each flow goes one TTL deeper as soon
// as it answered at the previous one, so nothing is sent past the end of the path; a hop shown
// to be one vertex is not probed with more flows, they are inferred through it.
// Unanswered probes are retried with fresh ids before they count as silence; a hop that loses
// probes while answering others is rate limiting, and from then on is paced so that its busiest
// vertex gets a probe every two seconds (Linux refills one answer a second), and a flow there is
// silent only after three paced losses. The pacing ends only when a check (probes back to back
// on a flow that answered there) shows no rate limit: the losses are then a silent router.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <unordered_map>

#include "engine/stopping_points.h"
#include "io/event_loop.h"
#include "measurement/multipath_graph.h"
#include "measurement/trace_result.h"
#include "trace_defaults.h"

namespace rtt::client {

struct MultipathSettings {
    std::uint8_t first_ttl = defaults::kFirstTtl;
    std::uint8_t max_ttl = defaults::kMaxTtl;
    double confidence = defaults::kConfidence;        // failure probability per branching point ...
    bool trace_bound = false;                         // ... or of the whole trace (union bound over its vertices)
    int retries = defaults::kMultipathRetries;        // extra attempts for a probe that got no answer
    int abort_after = defaults::kAbortAfter;          // a flow silent at this many consecutive TTLs is given up
    std::size_t min_burst = defaults::kMinBurst;      // probes in flight after a loss
    std::size_t max_burst = defaults::kMaxBurst;      // probes in flight on a loss-free network
    std::uint64_t max_probes = defaults::kMaxProbes;  // safety cap for one direction
    std::uint16_t first_flow = 10000;                 // flow i is first_flow + i (wrapping inside kFlowRange)
};

class MultipathEngine final : public ProbingTask, private ProbeListener {
public:
    // `root` is where the traced paths start: this host forward, the server reverse.
    MultipathEngine(Prober& prober, IpAddress root, MultipathSettings settings, TraceObserver& observer);

    Prober& prober() override { return prober_; }
    void start() override;
    bool finished() const override { return finished_; }
    void interrupt(const std::string& why) override;

    // What the progress line shows: the deepest TTL that answered and the vertices so far.
    struct Progress {
        unsigned deepest_ttl = 0;
        std::size_t vertices = 0;
    };
    Progress progress() const;

private:
    struct Attempt {
        std::uint8_t ttl = 0;
        std::size_t flow = 0;  // index into flow_values_
        int number = 1;
        bool paced = false;      // sent while its hop was paced
        int paced_failures = 0;  // earlier attempts lost while paced
    };
    using CellKey = std::pair<std::uint8_t, std::size_t>;

    void on_outcome(const ProbeOutcome& outcome) override;
    void send(std::uint8_t ttl, std::size_t flow, int attempt, int paced_failures);
    // A probe at this TTL timed out: if the hop answers others, it is rate limiting.
    void note_loss(const Attempt& attempt);
    void note_answer(const Attempt& attempt);
    // A flow was given up as silent at this TTL: a silent router there, or still a rate limit?
    void note_silent(std::uint8_t ttl);
    void on_limit_check(std::uint8_t ttl, bool answered);
    // Sends what may go now; when the round is over, plans the next one or finishes.
    void end_round_if_due();
    // The addresses that answered at this TTL.
    std::set<IpAddress> vertices_at(std::uint8_t ttl) const;
    // How many probes may be out at once at this TTL.
    std::size_t burst_limit(std::uint8_t ttl) const;
    // Sends every probe the current flow counts ask for that may go now.
    void send_eligible();
    // Puts a wanted cell on the list of cells to probe, unless it is out or settled.
    void add_todo(std::uint8_t ttl, std::size_t flow);
    void add_default_todo();
    // Raises the flow counts from what the last round showed (the stopping points).
    void plan();
    // --trace-bound: the per-vertex bound is the trace's divided among the vertices found so far.
    void update_stopping_points();
    // May (ttl, flow) be probed now: did the flow get past ttl - 1 without ending?
    bool reaches(std::uint8_t ttl, std::size_t flow) const;
    bool wanted(std::uint8_t ttl, std::size_t flow) const;
    void want(std::uint8_t ttl, std::size_t flow);
    // Flow did not end (or go silent for good) before `ttl`, as far as is known.
    bool alive_before(std::uint8_t ttl, std::size_t flow) const;
    const FlowObservation& seen(std::uint8_t ttl, std::size_t flow) const;
    FlowObservation& record(std::uint8_t ttl, std::size_t flow);
    int silent_run(std::uint8_t ttl, std::size_t flow) const;
    // The single vertex of a hop, if it has been shown to be one (cached per TTL).
    const std::optional<IpAddress>& single(std::uint8_t ttl) const;
    std::uint16_t flow_value(std::size_t flow);
    void finish(TraceSummary summary);
    TraceSummary summarize() const;

    Prober& prober_;
    IpAddress root_;
    MultipathSettings settings_;
    TraceObserver& observer_;
    StoppingPoints stops_;
    double per_vertex_confidence_;
    ObservationTable table_;
    std::vector<std::uint16_t> flow_values_;
    std::map<std::uint8_t, std::set<std::size_t>> wanted_;  // flows to probe per TTL
    std::set<std::pair<std::size_t, std::uint8_t>> todo_;   // (flow, TTL) wanted, not yet probed
    struct Pacing {
        std::int64_t next_slot_ns = 0;
        double slowdown = 1;  // doubled whenever a paced probe was lost and a retry answered
    };
    // The time between two probes to a paced hop.
    std::int64_t pacing_interval(std::uint8_t ttl, const Pacing& pacing) const;
    std::map<std::uint8_t, Pacing> pacing_;      // rate-limited hops
    std::set<std::uint8_t> silent_not_limited_;  // hops whose losses pacing did not cure
    // Per hop: answers that needed a retry, and failed limit checks (proofs of a rate limit).
    std::map<std::uint8_t, int> rate_limit_seen_;
    std::map<std::uint8_t, int> silent_verdicts_;  // per hop: flows given up as silent
    struct LimitCheck {
        int outstanding = 0;
        int lost = 0;
    };
    std::map<std::uint8_t, LimitCheck> limit_checks_;            // per hop, once: is it rate limited?
    std::unordered_map<std::uint16_t, std::uint8_t> check_ids_;  // limit-check probes out, by id
    std::unordered_map<std::uint16_t, Attempt> in_flight_;       // by probe id
    std::set<CellKey> busy_;                                     // cells with a probe out
    std::map<std::uint8_t, std::size_t> busy_at_;                // probes out per TTL
    mutable std::map<std::uint8_t, std::optional<IpAddress>> single_cache_;
    std::int64_t slowest_answer_ns_ = 0;
    std::size_t window_;
    bool loss_in_round_ = false;
    std::uint64_t submitted_ = 0;
    bool budget_exhausted_ = false;
    bool finished_ = false;
};

}  // namespace rtt::client
