// SPDX-License-Identifier: MIT
#include "rate_limit_pacing.h"

#include <algorithm>
#include <set>

#include "log.h"

namespace rtt::client {
namespace {

// One probe per second to a rate-limited hop: Linux refills one ICMP error per second per peer.
constexpr std::int64_t kRateLimitedInterval = 1'000'000'000;
// Flows given up as silent at a paced hop, with no answer ever needing a retry there, before
// the hop is checked for holding a silent router rather than a rate limit.
constexpr int kSilentFlowsForCheck = 2;

}  // namespace

bool RateLimitPacing::paced(std::uint8_t ttl) const {
    const auto hop = hops_.find(ttl);
    return hop != hops_.end() && hop->second.pacing.has_value();
}

std::int64_t RateLimitPacing::interval(const std::vector<FlowObservation>* hop, const Pacing& pacing) const {
    // Each router refills about one answer a second; a probe reaches a vertex with the share of
    // flows it has shown, so the busiest vertex sets the pace. Silent flows count in the
    // shares: probes lost to a silent router cost the answering ones nothing.
    std::map<IpAddress, std::size_t> per_vertex;
    std::size_t settled = 0;
    if (hop)
        for (const auto& observation : *hop) {
            if (observation.state == FlowObservation::State::answered)
                ++per_vertex[observation.answer->responder];
            if (observation.state != FlowObservation::State::unprobed)
                ++settled;
        }
    std::size_t busiest = 0;
    for (const auto& [vertex, count] : per_vertex)
        busiest = std::max(busiest, count);
    const double share = settled == 0 ? 1.0 : static_cast<double>(busiest) / static_cast<double>(settled);
    const double ns = 2.0 * static_cast<double>(kRateLimitedInterval) * share * pacing.slowdown;
    return std::min(kRateLimitedInterval, static_cast<std::int64_t>(ns));
}

std::int64_t RateLimitPacing::book_slot(std::uint8_t ttl, const std::vector<FlowObservation>* hop,
                                        std::int64_t now_ns) {
    const auto found = hops_.find(ttl);
    if (found == hops_.end() || !found->second.pacing)
        return 0;
    Pacing& pacing = *found->second.pacing;
    const std::int64_t slot = std::max(pacing.next_slot_ns, now_ns);
    pacing.next_slot_ns = slot + interval(hop, pacing);
    return slot;
}

void RateLimitPacing::on_answer(std::uint8_t ttl, int attempt, int paced_failures) {
    Hop& hop = hops_[ttl];
    if (attempt > 1)
        ++hop.limit_proofs;
    // Lost while paced, answered later: the routers there refill more slowly than assumed.
    if (hop.pacing && paced_failures > 0)
        hop.pacing->slowdown = std::min(hop.pacing->slowdown * 2, 64.0);
}

void RateLimitPacing::on_loss(std::uint8_t ttl, bool answers_others, std::int64_t now_ns) {
    Hop& hop = hops_[ttl];
    if (hop.pacing)
        return;
    // An answer that needed a retry proves a rate limit (or loss) at this hop, which pacing
    // cures; losses no retry ever recovered may be a silent router, which it cannot.
    if (hop.silent_not_limited) {
        if (hop.limit_proofs == 0)
            return;
        hop.silent_not_limited = false;  // a rate limit after all: pace again
    }
    if (!answers_others)
        return;  // silent so far: a black hole, not a rate limit
    log(LogLevel::info, "ttl {} loses probes while answering others: rate limited, paced there", ttl);
    hop.pacing = Pacing{now_ns, 1.0};
}

bool RateLimitPacing::on_silent(std::uint8_t ttl) {
    Hop& hop = hops_[ttl];
    ++hop.silent_flows;
    // Flows stay silent when paced and no retry was ever answered here: a silent router, or a
    // rate limit whose losses no retry happened to recover? Losses alone cannot tell (a silent
    // router beside a rate-limited one, the false `***` link of issue 15), so ask the hop:
    // probes back to back on a flow that answered before reach the same router every time.
    return hop.pacing && hop.limit_proofs == 0 && hop.silent_flows >= kSilentFlowsForCheck && !hop.check;
}

void RateLimitPacing::check_started(std::uint8_t ttl) {
    hops_[ttl].check = Check{kCheckProbes, 0};
}

void RateLimitPacing::on_check_outcome(std::uint8_t ttl, bool answered) {
    Hop& hop = hops_[ttl];
    if (!hop.check)
        return;
    Check& check = *hop.check;
    --check.outstanding;
    check.lost += answered ? 0 : 1;
    if (check.outstanding > 0)
        return;
    if (check.lost > 0) {
        log(LogLevel::info, "ttl {}: {} of {} probes on one answering flow lost: rate limited, stays paced", ttl,
            check.lost, kCheckProbes);
        ++hop.limit_proofs;
        return;
    }
    log(LogLevel::info,
        "ttl {}: flows stay silent when paced, yet {} probes back to back were all answered: a "
        "silent router, not a rate limit",
        ttl, kCheckProbes);
    hop.pacing.reset();
    hop.silent_not_limited = true;
}

}  // namespace rtt::client
