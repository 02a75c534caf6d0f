// SPDX-License-Identifier: MIT
// Per-hop statistics of one direction, as mtr shows them: probes sent and answered (every
// attempt counts, retries included), Loss%, and the last, mean, best and worst RTT with their
// standard deviation (the jitter). Fed with the hops of one trace, or of many rounds over the
// same flow (report and live view).
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "measurement/trace_result.h"

namespace rtt {

// Running figures of one hop; the spread by Welford's method (no list of samples kept).
class RttStatistics {
public:
    void add_sent(std::uint64_t probes) { sent_ += probes; }
    void add_rtt(double rtt_ms);

    std::uint64_t sent() const { return sent_; }
    std::uint64_t received() const { return received_; }
    double loss_percent() const;
    double last_ms() const { return last_; }
    double mean_ms() const { return mean_; }
    double best_ms() const { return best_; }
    double worst_ms() const { return worst_; }
    // Sample standard deviation; 0 with fewer than two RTTs.
    double stddev_ms() const;

private:
    std::uint64_t sent_ = 0;
    std::uint64_t received_ = 0;
    double last_ = 0, mean_ = 0, best_ = 0, worst_ = 0, squares_ = 0;
};

struct HopStatistics {
    std::uint8_t ttl = 0;
    std::vector<IpAddress> addresses;  // who answered at this TTL, in the order first seen
    RttStatistics rtt;
};

class DirectionStatistics final : public TraceObserver {
public:
    void add(const HopResult& hop);
    void reset() {
        hops_.clear();
        end_ttl_.reset();
    }
    // One entry per TTL seen, in TTL order; TTLs past the shortest end of the path seen are
    // left out (a round that missed the destination's answer probes on; its extra hops say
    // nothing about the path).
    std::vector<HopStatistics> hops() const;

    void on_hop(const HopResult& hop) override { add(hop); }
    void on_end(const TraceSummary& summary) override;

private:
    std::map<std::uint8_t, HopStatistics> hops_;
    std::optional<std::uint8_t> end_ttl_;  // the least TTL at which the end of the path answered
    std::uint8_t round_last_ttl_ = 0;      // the highest TTL reported since the last on_end
};

// The statistics of one recorded trace (a single round).
std::vector<HopStatistics> hop_statistics(const std::vector<HopResult>& hops);

}  // namespace rtt
