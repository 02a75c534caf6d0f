// SPDX-License-Identifier: MIT
// Path MTU discovery hop by hop (--mtu), as tracepath does it but with the trace's own probes
// (Paris flow, any protocol): one probe at a time, the first as big as the outgoing interface
// allows, with DF set (IPv6 routers never fragment). At each TTL:
//   - an answer means probes of the current size reach that hop: on to the next TTL;
//   - "fragmentation needed" (IPv4) or "packet too big" (IPv6) names the MTU of the router's
//     next link: the size drops to it (or, when a router gives none, to the next RFC 1191
//     plateau) and the same TTL is probed again;
//   - silence (after the retries) is tested with a probe of the smallest size: if that one is
//     answered, big probes are eaten without an ICMP error (a black hole), and the largest size
//     that still gets through is bisected at this TTL (then the first size is tried once more:
//     if it is answered now, the silence was loss, not a black hole); if not, the hop is silent.
//     Once the hop has answered, a bisection probe waits kBisectRttFactor times that answer's
//     RTT (at least kLeastBisectWaitNs, at most the timeout): silence there is the verdict.
// It ends at the destination, an unreachable, --abort silent hops or the max TTL, like a trace.
#pragma once

#include <optional>

#include "engine/singlepath_engine.h"
#include "io/event_loop.h"
#include "measurement/trace_result.h"

namespace rtt::client {

struct PathMtuSettings {
    std::uint8_t first_ttl = defaults::kFirstTtl;
    std::uint8_t max_ttl = defaults::kMaxTtl;
    std::uint16_t flow = defaults::kFlow;
    int retries = defaults::kSinglePathRetries;
    int abort_after = defaults::kAbortAfter;
    std::size_t first_size = 1500;  // the outgoing interface's MTU
    std::size_t least_size = 0;     // the smallest probe the codec can make (protocol and payload)
};

inline constexpr double kBisectRttFactor = 10;
inline constexpr std::int64_t kLeastBisectWaitNs = 50'000'000;

// The next smaller RFC 1191 plateau below `size` (for a router that reports no MTU), at least `least`.
std::size_t next_plateau(std::size_t size, std::size_t least);

class PathMtuEngine final : public ProbingTask, private ProbeListener {
public:
    PathMtuEngine(Prober& prober, PathMtuSettings settings, TraceObserver& observer);

    Prober& prober() override { return prober_; }
    void start() override;
    bool finished() const override { return finished_; }
    void interrupt(const std::string& why) override;

private:
    enum class Phase {
        sized,     // probing the TTL at the current size
        smallest,  // the current size went unanswered: is the hop there at all?
        bisect,    // a black hole: the largest size that is answered, between lo_ and hi_
        confirm,   // bisected: the first size once more, so that a passing loss is no black hole
    };

    void on_outcome(const ProbeOutcome& outcome) override;
    void send(std::size_t size);
    // How long a bisection probe waits, from the hop's answer to the smallest probe.
    std::int64_t bisect_wait_ns() const;
    void on_answer(const Answer& answer, double rtt_ms, std::size_t size);
    void on_silence();
    // The next bisection probe, or the confirmation once lo_ and hi_ meet.
    void bisect_on();
    // The TTL is done: report it (with `reply`, if any) and go on to the next.
    void next_ttl(std::optional<HopReply> reply, std::size_t size);
    void finish(TraceSummary summary);

    Prober& prober_;
    PathMtuSettings settings_;
    TraceObserver& observer_;
    unsigned ttl_;
    std::size_t size_;  // the largest size known to pass so far
    Phase phase_ = Phase::sized;
    std::uint16_t probe_id_ = 0;
    std::size_t probe_size_ = 0;
    int attempts_ = 0;
    std::size_t lo_ = 0, hi_ = 0;          // bisect: lo_ is answered, hi_ is not
    std::optional<HopReply> small_reply_;  // the smallest probe's answer at this TTL
    std::optional<IpAddress> last_responder_;
    int silent_run_ = 0;
    PathMtu result_;
    bool finished_ = false;
};

}  // namespace rtt::client
