// SPDX-License-Identifier: MIT
// Single-path (Paris) traceroute: one fixed flow, `probes_per_hop` probes at every TTL, many
// TTLs in flight at once (like traceroute -N), lost probes retried with fresh ids. Hops are
// reported in TTL order as soon as a hop and all before it are settled; the trace stops at the
// end of the path, at a router saying "unreachable", after `abort_after` silent hops or at
// `max_ttl`. It never knows whether it runs forward or reverse: that is the prober's codec.
#pragma once

#include <map>
#include <optional>

#include "io/event_loop.h"
#include "measurement/trace_result.h"

namespace rtt::client {

struct SinglePathSettings {
    std::uint8_t first_ttl = 1;
    std::uint8_t max_ttl = 30;
    std::uint16_t flow = 33434;
    int probes_per_hop = 3;
    int retries = 1;      // extra attempts for a probe that got no answer
    int abort_after = 3;  // consecutive silent hops
    std::size_t max_in_flight = 16;
};

class SinglePathEngine final : public ProbingTask, private ProbeListener {
public:
    SinglePathEngine(Prober& prober, SinglePathSettings settings, TraceObserver& observer);

    Prober& prober() override { return prober_; }
    void start() override;
    bool finished() const override { return finished_; }
    void interrupt(const std::string& why) override;

private:
    struct Slot {
        std::uint16_t probe_id = 0;
        int attempts = 0;
        bool settled = false;
        HopReply reply;
    };
    struct Hop {
        std::vector<Slot> slots;
        bool settled() const;
    };

    void on_outcome(const ProbeOutcome& outcome) override;
    void open_hops();
    void report_settled_hops();
    void finish(TraceSummary summary);
    // The highest TTL still worth probing.
    std::uint8_t last_useful_ttl() const;

    Prober& prober_;
    SinglePathSettings settings_;
    TraceObserver& observer_;
    std::map<std::uint8_t, Hop> hops_;
    unsigned next_ttl_;                    // the next TTL to open
    unsigned report_ttl_;                  // the next TTL to report
    std::optional<std::uint8_t> end_ttl_;  // lowest TTL with an answer that ends the path
    std::optional<Answer> end_answer_;
    int silent_run_ = 0;
    bool finished_ = false;
};

}  // namespace rtt::client
