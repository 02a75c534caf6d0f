// SPDX-License-Identifier: MIT
// Rate-limit detection and pacing for multipath discovery, one hop at a time. A hop that loses
// probes while answering others is rate limiting (Linux answers a burst of six, then about one a
// second per peer): from then on it is paced so that its busiest vertex gets a probe every two
// seconds, and a flow there is silent only after three paced losses (except at a hop shown to
// hold a silent router: multipath_engine.h, provisional_). Flows that stay silent when
// paced, with no retry ever answered there, may be a silent router beside a limited one rather
// than a limit: the hop is then checked with probes back to back on a flow that answered there,
// and the pacing ends only when that check loses nothing. Knows no probes, sockets or clock: the
// engine tells it what happened and when, and asks it when a probe may leave.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "measurement/multipath_graph.h"

namespace rtt::client {

class RateLimitPacing {
public:
    // Probes a check sends back to back on one flow: more than Linux's burst of six, so a
    // limited router must lose some.
    static constexpr int kCheckProbes = 8;
    // Paced losses after which a flow counts as silent at its hop.
    static constexpr int kPacedFailuresForSilence = 3;

    bool paced(std::uint8_t ttl) const;
    // The earliest time (monotonic ns) a probe to `ttl` may leave, 0 when the hop is not paced;
    // books that slot, so the next probe there goes one interval later. `hop` is what the flows
    // met at that TTL so far (the busiest vertex sets the pace).
    std::int64_t book_slot(std::uint8_t ttl, const std::vector<FlowObservation>* hop, std::int64_t now_ns);

    // A probe at `ttl` was answered on its `attempt`-th try, after `paced_failures` paced losses.
    void on_answer(std::uint8_t ttl, int attempt, int paced_failures);
    // A probe at `ttl` timed out; `answers_others`: the hop has answered other flows.
    void on_loss(std::uint8_t ttl, bool answers_others, std::int64_t now_ns);
    // A flow was given up as silent at `ttl`. Returns true when the hop should be checked for a
    // rate limit now (the engine then sends kCheckProbes on a flow that answered there and
    // calls check_started, or drops the idea when no such flow exists).
    bool on_silent(std::uint8_t ttl);
    void check_started(std::uint8_t ttl);
    // One check probe's outcome.
    void on_check_outcome(std::uint8_t ttl, bool answered);

private:
    struct Pacing {
        std::int64_t next_slot_ns = 0;
        double slowdown = 1;  // doubled whenever a paced probe was lost and a retry answered
    };
    struct Check {
        int outstanding = 0;
        int lost = 0;
    };
    // Everything known about one hop's rate limit.
    struct Hop {
        std::optional<Pacing> pacing;     // paced now
        bool silent_not_limited = false;  // losses pacing did not cure: a silent router
        int limit_proofs = 0;             // answers that needed a retry, and failed checks
        int silent_flows = 0;             // flows given up as silent here
        std::optional<Check> check;       // once per hop
    };

    std::int64_t interval(const std::vector<FlowObservation>* hop, const Pacing& pacing) const;

    std::map<std::uint8_t, Hop> hops_;
};

}  // namespace rtt::client
