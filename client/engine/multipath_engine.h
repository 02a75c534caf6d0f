// SPDX-License-Identifier: MIT
// Multipath discovery in Diamond-Miner rounds (docs/multipath.md §1, §2): every TTL is probed
// at once with flows from one shared list, so a flow seen at consecutive TTLs gives an edge.
// Between rounds the flows each TTL needs are worked out from the stopping points n_k of the
// vertices seen so far (flow_plan.h, a pure function of what the flows met). Within a round each flow goes one TTL
// deeper as soon as it answered at the previous one, so nothing is sent past the end of the path; a hop shown to be one
// vertex is not probed with more flows, they are inferred through it. When the rounds are done, hops with several
// vertices are tested for per-packet balancing (per_packet_test.h). Unanswered probes are retried with fresh ids
// before they count as silence; hops that rate limit are found and paced by rate_limit_pacing.h,
// and where a silent router stands beside them, flows lost there go on at once and are judged by
// where they went (provisional_). The engine's time is its prober's clock and its probes leave
// through its prober: it knows no sockets.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <unordered_map>

#include "engine/flow_plan.h"
#include "engine/per_packet_test.h"
#include "engine/rate_limit_pacing.h"
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
    double min_share = 0;                             // smallest branch share covered (0: even shares)
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
    // A flow was given up as silent at this TTL: check the hop for a rate limit if due.
    void note_silent(std::uint8_t ttl);
    // Settles the flows taken for silent at a paced hop after fewer paced losses than
    // RateLimitPacing::kPacedFailuresForSilence (see provisional_): those shown to be ambiguous
    // at every round's end, the others once the plan asks for nothing more (`plan_done`).
    // Returns whether it sent anything.
    bool settle_provisional_silence(bool plan_done);
    // A flow lost at a paced hop and asked again there: also probes it one TTL deeper, the first
    // kDeeperLooks times per hop, for evidence of a silent router (note_silent_router_evidence).
    void look_deeper(std::uint8_t ttl, std::size_t flow);
    // An answer at (ttl, flow): if the flow was lost one TTL before, at a paced hop, and this
    // vertex is one none of that hop's answering vertices leads to, the hop holds a silent router.
    void note_silent_router_evidence(std::uint8_t ttl, std::size_t flow, const IpAddress& responder);
    // Whether some flow's answer at `ttl` ends the path (the destination, an unreachable).
    bool ends_here(std::uint8_t ttl) const;
    // Whether `vertex` answered at `ttl`, or a flow that answered there met it one TTL deeper:
    // a flow lost at `ttl` that met it may have passed an answering vertex there.
    bool answering_vertices_reach(std::uint8_t ttl, const IpAddress& vertex) const;
    // Sends what may go now; when the round is over, plans the next one or finishes.
    void end_round_if_due();
    // The addresses that answered at this TTL.
    std::set<IpAddress> vertices_at(std::uint8_t ttl) const;
    const std::vector<FlowObservation>* hop_at(std::uint8_t ttl) const;
    // How many probes may be out at once at this TTL.
    std::size_t burst_limit(std::uint8_t ttl) const;
    // Sends every probe the current flow counts ask for that may go now.
    void send_eligible();
    // Puts a wanted cell on the list of cells to probe, unless it is out or settled.
    void add_todo(std::uint8_t ttl, std::size_t flow);
    void add_default_todo();
    // After discovery: repeats one flow at hops with several vertices (per_packet_test.h).
    void start_per_packet_test();
    void send_repeat(const PerPacketTest::Repeat& repeat);
    // Raises the flow counts from what the last round showed (flow_plan.h).
    void plan();
    // --trace-bound: the per-vertex bound is the trace's divided among the vertices found so far.
    void update_stopping_points();
    // May (ttl, flow) be probed now: did the flow get past ttl - 1 without ending?
    bool reaches(std::uint8_t ttl, std::size_t flow) const;
    bool wanted(std::uint8_t ttl, std::size_t flow) const;
    FlowObservation& record(std::uint8_t ttl, std::size_t flow);
    // Reports the links the answer at (ttl, flow) makes known, with the flow's answers one TTL
    // before and after it (each link once).
    void report_links(std::uint8_t ttl, std::size_t flow);
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
    ObservationQueries queries_;  // over table_ and stops_
    RateLimitPacing rate_limits_;
    std::vector<std::uint16_t> flow_values_;
    WantedFlows wanted_;                                         // flows to probe per TTL
    std::set<std::pair<std::size_t, std::uint8_t>> todo_;        // (flow, TTL) wanted, not yet probed
    std::unordered_map<std::uint16_t, std::uint8_t> check_ids_;  // rate-limit check probes out, by id
    PerPacketTest per_packet_;
    bool per_packet_started_ = false;
    std::unordered_map<std::uint16_t, PerPacketTest::Repeat> repeat_ids_;  // per-packet repeats out, by id
    std::unordered_map<std::uint16_t, Attempt> in_flight_;                 // by probe id
    // Flows lost at a paced hop, taken for silent there so that they go one TTL deeper at once
    // rather than wait for more paced retries; by cell, the attempt that was lost. Where the
    // next TTL shows a flow met a vertex none of its hop's answering vertices leads to, it
    // passed a silent router (settled once the plan is done); otherwise it is asked again.
    std::map<CellKey, Attempt> provisional_;
    // Paced hops shown to hold a silent router: only there are lost flows taken for silent at
    // once (provisional_); elsewhere a lost probe is asked again at its hop, as a limit needs.
    std::set<std::uint8_t> silent_router_hops_;
    std::map<std::uint8_t, int> deeper_looks_;  // look_deeper probes sent, per hop
    std::set<CellKey> busy_;                    // cells with a probe out
    std::set<std::tuple<std::uint8_t, IpAddress, IpAddress>> links_reported_;
    std::map<std::uint8_t, std::size_t> busy_at_;  // probes out per TTL
    std::int64_t slowest_answer_ns_ = 0;
    std::size_t window_;
    bool loss_in_round_ = false;
    std::uint64_t submitted_ = 0;
    bool budget_exhausted_ = false;
    bool finished_ = false;
};

}  // namespace rtt::client
