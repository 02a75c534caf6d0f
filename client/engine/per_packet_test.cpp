// SPDX-License-Identifier: MIT
#include "engine/per_packet_test.h"

namespace rtt::client {
namespace {

// Repeats one hop has out at once: a per-packet hop is known after a few, so most are not sent.
constexpr int kWindow = 4;

// What a hop showed: distinct responders, with silence counted as one more (a flow that went
// another way).
std::size_t outcomes_at(const std::vector<FlowObservation>& hop) {
    std::set<IpAddress> responders;
    bool silence = false;
    for (const auto& observation : hop) {
        if (observation.state == FlowObservation::State::answered)
            responders.insert(observation.answer->responder);
        silence = silence || observation.state == FlowObservation::State::silent;
    }
    return responders.size() + (silence ? 1 : 0);
}

}  // namespace

PerPacketTest::PerPacketTest(int repeats) : repeats_(repeats) {}

void PerPacketTest::test(std::uint8_t ttl, std::vector<Repeat>& out) {
    const auto found = table_->find(ttl);
    if (found == table_->end() || hops_.contains(ttl))
        return;
    if (rate_limited_.contains(ttl)) {
        hops_[ttl].given_up = true;
        return;
    }
    Hop hop;
    for (std::size_t flow = 0; flow < found->second.size(); ++flow) {
        const auto& observation = found->second[flow];
        if (observation.state == FlowObservation::State::answered && !ends_path(*observation.answer, end_of_path_))
            hop.flows.emplace_back(flow, observation.answer->responder);
    }
    if (hop.flows.empty())
        return;
    hops_[ttl] = std::move(hop);
    fill(ttl, out);
}

void PerPacketTest::fill(std::uint8_t ttl, std::vector<Repeat>& out) {
    Hop& hop = hops_.at(ttl);
    while (!decided(hop) && !hop.given_up && hop.outstanding < kWindow && hop.answered + hop.outstanding < repeats_) {
        out.push_back({ttl, hop.flows[hop.next].first});
        hop.next = (hop.next + 1) % hop.flows.size();
        ++hop.outstanding;
    }
}

std::vector<PerPacketTest::Repeat> PerPacketTest::start(const ObservationTable& table, const IpAddress& end_of_path,
                                                        std::set<std::uint8_t> rate_limited) {
    table_ = &table;
    end_of_path_ = end_of_path;
    rate_limited_ = std::move(rate_limited);
    std::vector<Repeat> out;
    for (const auto& [ttl, hop] : table) {
        const auto next = table.find(static_cast<std::uint8_t>(ttl + 1));
        if (ttl < 255 && next != table.end() && outcomes_at(hop) > 1 && outcomes_at(next->second) > 1)
            test(ttl, out);
    }
    return out;
}

std::vector<PerPacketTest::Repeat> PerPacketTest::on_outcome(const Repeat& repeat,
                                                             const std::optional<IpAddress>& responder) {
    std::vector<Repeat> out;
    const auto found = hops_.find(repeat.ttl);
    if (found == hops_.end())
        return out;
    Hop& hop = found->second;
    --hop.outstanding;
    const bool varied_before = hop.varies;
    if (responder) {
        ++hop.answered;
        for (const auto& [flow, first] : hop.flows)
            if (flow == repeat.flow)
                hop.varies = hop.varies || *responder != first;
    } else {
        hop.given_up = true;
    }
    fill(repeat.ttl, out);
    if (hop.varies && !varied_before)
        for (const int neighbour : {repeat.ttl - 1, repeat.ttl + 1}) {
            const auto near = table_->find(static_cast<std::uint8_t>(neighbour));
            if (neighbour >= 0 && neighbour <= 255 && near != table_->end())
                test(static_cast<std::uint8_t>(neighbour), out);
        }
    return out;
}

std::set<std::uint8_t> PerPacketTest::varying() const {
    std::set<std::uint8_t> result;
    for (const auto& [ttl, hop] : hops_)
        if (hop.varies)
            result.insert(ttl);
    return result;
}

std::set<std::uint8_t> PerPacketTest::per_flow() const {
    std::set<std::uint8_t> result;
    for (const auto& [ttl, hop] : hops_)
        if (!hop.varies && !hop.given_up && decided(hop))
            result.insert(ttl);
    return result;
}

std::size_t PerPacketTest::undecided() const {
    std::size_t count = 0;
    for (const auto& [ttl, hop] : hops_)
        count += decided(hop) && !hop.given_up ? 0 : 1;
    return count;
}

}  // namespace rtt::client
