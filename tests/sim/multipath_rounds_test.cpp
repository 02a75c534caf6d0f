// SPDX-License-Identifier: MIT
// The multipath report and live view (-c N, --live with multipath) as the client runs them, in
// simulated time on the lab's diamond: discovery first (not counted), then rounds of one probe
// per vertex over the flows that reach it; the loss of a lossy branch router is put on the
// vertices behind it and nowhere else.
#include <gtest/gtest.h>

#include <map>

#include "simulated_trace.h"

namespace rtt::sim {
namespace {

constexpr std::int64_t kMs = 1'000'000;

Topology diamond() {
    Topology topology = Topology::load(std::string(RTT_TOPOLOGY_DIR) + "/diamond.topo");
    topology.set_link_delays(5 * kMs);
    topology.node("server").reverse_server = true;
    return topology;
}

SimulatedTraceSpec two_way_multipath(const Topology& topology) {
    SimulatedTraceSpec spec;
    spec.target = topology.address("server", Family::v4);
    spec.reverse = true;
    spec.multipath = true;
    spec.multipath_settings.confidence = 1e-5;  // every vertex found, so the figures below are exact
    spec.prober.first_id = 900;
    return spec;
}

// The name of the node that owns `address`.
std::string owner(const Topology& topology, const IpAddress& address) {
    for (const auto& [number, link] : topology.links())
        for (const std::string& name : {link.a, link.b})
            if (topology.address(name, number, address.family()) == address)
                return name;
    return "?";
}

TEST(MultipathRounds, EveryVertexGetsOneProbeARoundOverItsFlows) {
    const Topology topology = diamond();
    SimulatedNetwork network(topology, 3);
    const SimulatedRounds rounds = simulate_rounds(network, two_way_multipath(topology), 6, 500 * kMs);
    EXPECT_FALSE(rounds.interrupted);
    EXPECT_EQ(rounds.rounds_done, 6);  // discovery is not one of them
    for (const auto* direction : {&*rounds.forward, &*rounds.reverse}) {
        ASSERT_TRUE(direction->record.graph);
        std::size_t answered = 0;
        for (const auto& vertex : direction->record.graph->vertices)
            answered += vertex.id != 0 && vertex.address ? 1 : 0;
        const auto& vertices = direction->vertices.vertices();
        ASSERT_EQ(vertices.size(), answered);
        EXPECT_EQ(vertices.size(), 6u);  // r1, r2a, r2b, r3 twice (it answers from the inbound link), the end
        std::map<std::uint8_t, double> shares;
        for (const auto& vertex : vertices) {
            EXPECT_EQ(vertex.rtt.sent(), 6u) << vertex.address.to_string();
            EXPECT_EQ(vertex.rtt.received(), 6u) << vertex.address.to_string();
            EXPECT_EQ(vertex.answered_elsewhere, 0u) << vertex.address.to_string();
            EXPECT_GT(vertex.rtt.mean_ms(), 0);
            shares[vertex.ttl] += vertex.flow_share;
        }
        for (const auto& [ttl, share] : shares)
            EXPECT_NEAR(share, 1.0, 1e-9) << "ttl " << int(ttl);
        EXPECT_EQ(direction->statistics.hops().size(), 0u);  // the per-hop figures are single path's
    }
}

TEST(MultipathRounds, TheLossOfABranchRouterIsPutOnItsVerticesOnly) {
    Topology topology = diamond();
    topology.node("r2a").behaviour.loss = 0.3;
    SimulatedNetwork network(topology, 5);
    // Forward only: the simulated loss drops every packet r2a receives, so the reverse half's
    // requests from the client would be lost there too (the lab test drops r2a's errors alone).
    auto spec = two_way_multipath(topology);
    spec.reverse = false;
    spec.multipath_settings.retries = 6;  // discovery still finds r2a's side
    const SimulatedRounds rounds = simulate_rounds(network, spec, 60, 200 * kMs);
    EXPECT_EQ(rounds.rounds_done, 60);
    {
        const auto* direction = &*rounds.forward;
        std::map<std::string, const VertexFigures*> by_node;
        for (const auto& vertex : direction->vertices.vertices())
            by_node[owner(topology, vertex.address)] = &vertex;
        ASSERT_TRUE(by_node.count("r2a") && by_node.count("r2b"));
        const auto loss = [&](const std::string& node) { return by_node.at(node)->rtt.loss_percent(); };
        // 60 probes at 30%: 18 expected, fewer than 6 has a chance below 10^-4.
        EXPECT_GT(loss("r2a"), 10.0);
        EXPECT_EQ(loss("r2b"), 0.0);
        EXPECT_EQ(loss("r1"), 0.0);  // before the diamond
        // r3 answers from its link to r2a for the flows through r2a: that vertex loses the
        // packets r2a drops on the way there (and r2a's answers only show its own drops).
        const IpAddress via_r2b = topology.address("r3", 5, Family::v4);
        for (const auto& vertex : direction->vertices.vertices()) {
            if (vertex.address == via_r2b) {
                EXPECT_EQ(vertex.rtt.loss_percent(), 0.0);
            }
        }
    }
}

TEST(MultipathRounds, ARoundCutShortIsLeftOut) {
    const Topology topology = diamond();
    SimulatedNetwork network(topology, 3);
    auto spec = two_way_multipath(topology);
    spec.reverse = false;
    const SimulatedRounds whole = simulate_rounds(network, spec, 2, 1000 * kMs);
    ASSERT_EQ(whole.rounds_done, 2);
    // The second round ended with the end of the path's answer, 40 ms after it started (four
    // links of 5 ms each way); stop 15 ms into the third round, its farther probes still out.
    SimulatedNetwork again(topology, 3);
    spec.stop = SimulatedStop{whole.simulated_ns + 975 * kMs, 2};
    const SimulatedRounds cut = simulate_rounds(again, spec, 10, 1000 * kMs);
    EXPECT_TRUE(cut.interrupted);
    EXPECT_EQ(cut.rounds_done, 2);
    for (const auto& vertex : cut.forward->vertices.vertices())
        EXPECT_EQ(vertex.rtt.sent(), 2u) << vertex.address.to_string();
    EXPECT_EQ(cut.forward->record.summary->end, TraceEnd::reached);  // the discovery's end stays
}

}  // namespace
}  // namespace rtt::sim
