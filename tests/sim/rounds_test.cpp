// SPDX-License-Identifier: MIT
// Rounds (-c N, --live) as the client runs them (client::run_rounds), in simulated time: their
// pace, what the statistics count both ways, and how Ctrl-C and --deadline end them.
#include <gtest/gtest.h>

#include "simulated_trace.h"

namespace rtt::sim {
namespace {

constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kSecond = 1000 * kMs;

// The lab's line (client – r1 – r2 – r3 – server, a reverse server at the end), 20 ms a link.
Topology line() {
    Topology topology = Topology::load(std::string(RTT_TOPOLOGY_DIR) + "/line.topo");
    topology.set_link_delays(20 * kMs);
    topology.node("server").reverse_server = true;
    return topology;
}

SimulatedTraceSpec two_way(const Topology& topology) {
    SimulatedTraceSpec spec;
    spec.target = topology.address("server", Family::v4);
    spec.reverse = true;
    spec.multipath = false;
    spec.prober.first_id = 700;
    return spec;
}

// Probes sent and answered at every TTL of a direction, as the report's Snt and Rcv columns.
std::vector<std::pair<std::uint64_t, std::uint64_t>> sent_and_received(const DirectionStatistics& statistics) {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> counts;
    for (const HopStatistics& hop : statistics.hops())
        counts.emplace_back(hop.rtt.sent(), hop.rtt.received());
    return counts;
}

std::vector<std::pair<std::uint64_t, std::uint64_t>> every_hop(std::uint64_t sent, std::uint64_t received) {
    return std::vector<std::pair<std::uint64_t, std::uint64_t>>(4, {sent, received});
}

TEST(Rounds, RoundsStartAtTheirIntervalAndCountEveryProbeBothWays) {
    const Topology topology = line();
    SimulatedNetwork network(topology, 1);
    const SimulatedRounds rounds = simulate_rounds(network, two_way(topology), 5, kSecond);
    EXPECT_FALSE(rounds.interrupted);
    EXPECT_EQ(rounds.rounds_done, 5);
    // Four intervals, then the last round (its answers come back within a second).
    EXPECT_GE(rounds.simulated_ns, 4 * kSecond);
    EXPECT_LT(rounds.simulated_ns, 5 * kSecond);
    ASSERT_TRUE(rounds.forward && rounds.reverse);
    EXPECT_EQ(sent_and_received(rounds.forward->statistics), every_hop(15, 15));  // 5 rounds × 3 probes
    EXPECT_EQ(sent_and_received(rounds.reverse->statistics), every_hop(15, 15));
}

TEST(Rounds, LossIsCountedAtTheHopsBehindTheLossyRouter) {
    Topology topology = line();
    topology.node("r2").behaviour.loss = 0.2;
    SimulatedNetwork network(topology, 4);
    auto spec = two_way(topology);
    spec.reverse = false;
    const SimulatedRounds rounds = simulate_rounds(network, spec, 10, 500 * kMs);
    EXPECT_EQ(rounds.rounds_done, 10);
    const auto counts = sent_and_received(rounds.forward->statistics);
    ASSERT_EQ(counts.size(), 4u);
    EXPECT_EQ(counts[0].first, counts[0].second);  // r1 answers every probe
    for (std::size_t hop = 1; hop < counts.size(); ++hop)
        EXPECT_LT(counts[hop].second, counts[hop].first) << "hop " << hop + 1;
}

TEST(Rounds, CtrlCBetweenRoundsEndsTheRunWithTheRoundsDone) {
    const Topology topology = line();
    SimulatedNetwork network(topology, 1);
    auto spec = two_way(topology);
    // A two-way round here takes about half a second (0.68 s with the server check first).
    spec.stop = SimulatedStop{2800 * kMs, 2};
    const SimulatedRounds rounds = simulate_rounds(network, spec, 10, kSecond);
    EXPECT_TRUE(rounds.interrupted);
    EXPECT_EQ(rounds.stopped_by, 2);
    EXPECT_EQ(rounds.rounds_done, 3);  // started at 0, 1 and 2 s
    EXPECT_EQ(rounds.simulated_ns, 2800 * kMs);
    EXPECT_EQ(sent_and_received(rounds.forward->statistics), every_hop(9, 9));
}

TEST(Rounds, ARoundCutShortByCtrlCIsLeftOut) {
    const Topology topology = line();
    SimulatedNetwork network(topology, 1);
    auto spec = two_way(topology);
    spec.stop = SimulatedStop{1050 * kMs, 15};  // SIGTERM while the second round's probes are out
    const SimulatedRounds rounds = simulate_rounds(network, spec, 10, kSecond);
    EXPECT_EQ(rounds.stopped_by, 15);
    EXPECT_EQ(rounds.rounds_done, 1);
    EXPECT_EQ(sent_and_received(rounds.forward->statistics), every_hop(3, 3));
    EXPECT_EQ(sent_and_received(rounds.reverse->statistics), every_hop(3, 3));
    EXPECT_EQ(rounds.forward->record.summary->end, TraceEnd::interrupted);
}

TEST(Rounds, TheDeadlineEndsRoundsWithoutACount) {
    const Topology topology = line();
    SimulatedNetwork network(topology, 1);
    auto spec = two_way(topology);
    spec.limit_ns = 3800 * kMs;
    const SimulatedRounds rounds = simulate_rounds(network, spec, 0, kSecond);
    EXPECT_TRUE(rounds.interrupted);
    EXPECT_EQ(rounds.stopped_by, 0);
    EXPECT_EQ(rounds.rounds_done, 4);
    EXPECT_EQ(rounds.simulated_ns, 3800 * kMs);
}

}  // namespace
}  // namespace rtt::sim
