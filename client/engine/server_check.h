// SPDX-License-Identifier: MIT
// Before a reverse trace: ask the target for a probe with TTL 0. A reverse traceroute server
// answers state 1 ("invalid TTL") without probing; a host without one answers like a ping or
// not at all (docs/protocol.md §2). Only after that does the reverse engine start.
#pragma once

#include "io/event_loop.h"
#include "measurement/trace_result.h"

namespace rtt::client {

class ServerCheck final : public ProbingTask, private ProbeListener {
public:
    // `then` starts once the server answered; failures end the direction through `observer`.
    ServerCheck(Prober& prober, std::uint16_t flow, TraceObserver& observer, ProbingTask& then);

    Prober& prober() override { return prober_; }
    void start() override;
    bool finished() const override { return failed_ || (passed_ && then_.finished()); }
    void interrupt(const std::string& why) override;
    // Ends the check as failed with `sentence` if the server has not answered yet (what another
    // direction learnt makes waiting pointless); nothing once it has.
    void give_up(const std::string& sentence);

private:
    void on_outcome(const ProbeOutcome& outcome) override;
    void fail(const std::string& sentence);

    static constexpr int kAttempts = 3;
    Prober& prober_;
    std::uint16_t flow_;
    TraceObserver& observer_;
    ProbingTask& then_;
    int attempts_ = 0;
    bool passed_ = false;
    bool failed_ = false;
};

}  // namespace rtt::client
