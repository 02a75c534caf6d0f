// SPDX-License-Identifier: MIT
// One round of the multipath report and live view (-c, --live with multipath): one probe per
// vertex discovery found, each over a flow seen to reach it (VertexStatistics::round_probes),
// sent as the prober paces them (--inter), none retried (a lost probe is the loss measured).
// Each probe's fate is reported as a hop of one reply (its TTL and flow) and the round ends when
// every probe is answered or timed out. The rounds' own pace is rounds.h's (--interval), so a
// router meets at most one probe per vertex it holds per round: well within Linux's ICMP limits
// at the default interval of one second.
#pragma once

#include <unordered_map>
#include <vector>

#include "io/event_loop.h"
#include "measurement/trace_result.h"
#include "measurement/vertex_statistics.h"

namespace rtt::client {

class VertexRoundEngine final : public ProbingTask, private ProbeListener {
public:
    VertexRoundEngine(Prober& prober, std::vector<VertexProbe> probes, TraceObserver& observer);

    Prober& prober() override { return prober_; }
    void start() override;
    bool finished() const override { return finished_; }
    void interrupt(const std::string& why) override;

private:
    void on_outcome(const ProbeOutcome& outcome) override;
    void finish(TraceSummary summary);

    Prober& prober_;
    std::vector<VertexProbe> probes_;
    TraceObserver& observer_;
    std::unordered_map<std::uint16_t, VertexProbe> in_flight_;  // by probe id
    std::uint64_t sent_ = 0;
    std::uint64_t answered_ = 0;
    bool finished_ = false;
};

}  // namespace rtt::client
