// SPDX-License-Identifier: MIT
// Issue 15's field reports, reproduced in the simulated network: the lab's diamond with
// Linux's default ICMP rate limits on every node and one router of the diamond silenced.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "simulated_trace.h"

namespace rtt::sim {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

Topology silenced_diamond() {
    Topology topology = Topology::load(std::string(RTT_TOPOLOGY_DIR) + "/diamond.topo");
    for (const auto& [name, node] : topology.nodes())
        topology.node(name).behaviour.rate_limit = RateLimit::linux_default();
    topology.node("r2a").behaviour.silent = true;
    topology.node("server").reverse_server = true;
    return topology;
}

SimulatedTraceSpec multipath_spec(std::uint64_t seed, bool two_way) {
    SimulatedTraceSpec spec;
    spec.target = *IpAddress::parse("198.18.6.2");
    spec.reverse = two_way;
    spec.prober.first_id = static_cast<std::uint16_t>(1 + seed * 7919 % 60000);
    spec.multipath_settings.first_flow = static_cast<std::uint16_t>(10000 + seed * 104729 % 55000);
    spec.limit_ns = 600 * kSecond;  // the client's --deadline default
    return spec;
}

// "did not finish in 5 of 14 runs (one was still running after 12 minutes)": the lab adds a
// little loss of its own; with 2% on every router (the simulation's stand-in) the engine before
// the fix ran for up to 50 minutes, asking round after round for flows through a black hole
// that a few lost probes had made. Every run now ends within 4 minutes and reaches the server.
TEST(FieldReports, MultipathOnARateLimitedDiamondWithASilentRouterFinishes) {
    for (std::uint64_t seed = 1; seed <= 100; ++seed) {
        Topology topology = silenced_diamond();
        for (const auto& [name, node] : topology.nodes())
            if (node.router)
                topology.node(name).behaviour.loss = 0.02;
        SimulatedNetwork network(topology, seed);
        const auto trace = simulate_trace(network, multipath_spec(seed, false));
        ASSERT_FALSE(trace.hung) << "seed " << seed << ": still running after 600 s of simulated time";
        EXPECT_EQ(trace.forward->record.summary->end, TraceEnd::reached) << "seed " << seed;
        EXPECT_LT(trace.simulated_ns, 240 * kSecond) << "seed " << seed;
    }
}

// Issue 31: "a diamond where a silent router and ICMP rate limits share a hop takes 36-76 s in
// the lab for six vertices". The floor Linux's limits set on this shape is 6.2 s on average:
// r3 must answer twelve probes at TTL 3 (n_2 = 6 flows through each of r2a and r2b) and the
// server twelve at TTL 4, six at once and then one a second, and r2b its share of the flows r1
// needs, more when the hash favours it (bench/silent_hop_floor.cpp draws it). Forward traces
// over 40 seeds now take at most twice that on average (before: 67 s; with only the plan's
// fix, 26 s), each reaches the server and draws no link the diamond does not have.
TEST(FieldReports, SilentRouterBesideRateLimitedOnesCostsAtMostTwiceTheFloor) {
    constexpr double kFloorSeconds = 6.2;
    const std::set<std::pair<std::string, std::string>> true_links{
        {"198.18.1.2", "***"},        {"198.18.1.2", "198.18.3.2"}, {"***", "198.18.4.2"},
        {"198.18.3.2", "198.18.5.2"}, {"198.18.4.2", "198.18.6.2"}, {"198.18.5.2", "198.18.6.2"}};
    double seconds = 0;
    constexpr int kSeeds = 40;
    for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
        SimulatedNetwork network(silenced_diamond(), seed);
        const auto trace = simulate_trace(network, multipath_spec(seed, false));
        ASSERT_FALSE(trace.hung) << "seed " << seed;
        EXPECT_EQ(trace.forward->record.summary->end, TraceEnd::reached) << "seed " << seed;
        seconds += static_cast<double>(trace.simulated_ns) / kSecond;
        const auto& graph = *trace.forward->record.graph;
        const auto name = [&](int id) {
            const auto& vertex = graph.vertices[static_cast<std::size_t>(id)];
            return vertex.address ? vertex.address->to_string() : std::string("***");
        };
        for (const auto& edge : graph.edges)
            if (edge.from != 0) {
                EXPECT_TRUE(true_links.count({name(edge.from), name(edge.to)}))
                    << "seed " << seed << ": " << name(edge.from) << " → " << name(edge.to);
            }
    }
    EXPECT_LE(seconds / kSeeds, 2 * kFloorSeconds);
}

// "once a two-way run under the same conditions drew a false link *** → 198.18.5.2": a black
// hole may only lead to what the silent r2a leads to (r3 on link 4), never to r3 on link 5,
// which only r2b (answering, if rate limited) leads to.
TEST(FieldReports, TwoWayMultipathDrawsNoFalseBlackHoleLink) {
    const auto r3_via_r2b = *IpAddress::parse("198.18.5.2");
    for (std::uint64_t seed = 1; seed <= 40; ++seed) {
        SimulatedNetwork network(silenced_diamond(), seed);
        const auto trace = simulate_trace(network, multipath_spec(seed, true));
        ASSERT_FALSE(trace.hung) << "seed " << seed;
        const auto& graph = *trace.forward->record.graph;
        for (const auto& edge : graph.edges) {
            const auto& from = graph.vertices[static_cast<std::size_t>(edge.from)];
            const auto& to = graph.vertices[static_cast<std::size_t>(edge.to)];
            EXPECT_FALSE(!from.address && to.address == r3_via_r2b) << "seed " << seed << ": *** → 198.18.5.2";
        }
    }
}

}  // namespace
}  // namespace rtt::sim
