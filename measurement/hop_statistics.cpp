// SPDX-License-Identifier: MIT
#include "measurement/hop_statistics.h"

#include <algorithm>
#include <cmath>

namespace rtt {

void RttStatistics::add_rtt(double rtt_ms) {
    ++received_;
    last_ = rtt_ms;
    if (received_ == 1) {
        mean_ = best_ = worst_ = rtt_ms;
        squares_ = 0;
        return;
    }
    best_ = std::min(best_, rtt_ms);
    worst_ = std::max(worst_, rtt_ms);
    const double delta = rtt_ms - mean_;
    mean_ += delta / static_cast<double>(received_);
    squares_ += delta * (rtt_ms - mean_);
}

double RttStatistics::loss_percent() const {
    if (sent_ == 0)
        return 0;
    // A late duplicate could make received exceed sent; loss is never negative.
    return received_ >= sent_ ? 0 : 100.0 * static_cast<double>(sent_ - received_) / static_cast<double>(sent_);
}

double RttStatistics::stddev_ms() const {
    return received_ < 2 ? 0 : std::sqrt(squares_ / static_cast<double>(received_ - 1));
}

void DirectionStatistics::add(const HopResult& hop) {
    round_last_ttl_ = std::max(round_last_ttl_, hop.ttl);
    HopStatistics& entry = hops_[hop.ttl];
    entry.ttl = hop.ttl;
    entry.rtt.add_sent(std::max<std::uint64_t>(hop.sent, hop.replies.size()));
    for (const HopReply& reply : hop.replies) {
        if (!reply.answer)
            continue;
        entry.rtt.add_rtt(reply.rtt_ms);
        const IpAddress& responder = reply.answer->responder;
        if (std::find(entry.addresses.begin(), entry.addresses.end(), responder) == entry.addresses.end())
            entry.addresses.push_back(responder);
    }
}

void DirectionStatistics::on_end(const TraceSummary& summary) {
    // The end of the path answered at the last hop this round reported.
    if ((summary.end == TraceEnd::reached || summary.end == TraceEnd::unreachable) && round_last_ttl_ > 0)
        end_ttl_ = end_ttl_ ? std::min(*end_ttl_, round_last_ttl_) : round_last_ttl_;
    round_last_ttl_ = 0;
}

std::vector<HopStatistics> DirectionStatistics::hops() const {
    std::vector<HopStatistics> out;
    for (const auto& [ttl, hop] : hops_)
        if (!end_ttl_ || ttl <= *end_ttl_)
            out.push_back(hop);
    return out;
}

std::vector<HopStatistics> hop_statistics(const std::vector<HopResult>& hops) {
    DirectionStatistics statistics;
    for (const auto& hop : hops)
        statistics.add(hop);
    return statistics.hops();
}

}  // namespace rtt
