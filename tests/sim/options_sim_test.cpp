// SPDX-License-Identifier: MIT
// Engine options that only show their worth on a network: a fixed destination port through a
// firewall (multipath --destination-port, scamper's tcp-sport) and the whole-trace bound.
#include <gtest/gtest.h>

#include "simulated_trace.h"
#include "topology_catalogue.h"
#include "trace_score.h"

namespace rtt::sim {
namespace {

Topology firewalled_diamond() {
    Topology topology = Topology::load(std::string(RTT_TOPOLOGY_DIR) + "/diamond.topo");
    topology.node("r1").behaviour.firewall_tcp_ports = {443};  // only HTTPS passes
    topology.node("server").behaviour.open_tcp_ports = {443};
    return topology;
}

SimulatedTraceSpec tcp_multipath(const Topology& topology) {
    SimulatedTraceSpec spec;
    spec.target = topology.address("server", Family::v4);
    spec.protocol = Protocol::tcp;
    spec.prober.first_id = 77;
    spec.multipath_settings.first_flow = 30000;
    return spec;
}

TEST(Options, FixedDestinationPortReachesAFirewalledServiceOverEveryBranch) {
    SimulatedNetwork network(firewalled_diamond(), 1);
    auto spec = tcp_multipath(network.topology());
    spec.destination_port = 443;
    const auto trace = simulate_trace(network, spec);
    ASSERT_TRUE(trace.forward->record.summary);
    EXPECT_EQ(trace.forward->record.summary->end, TraceEnd::reached);
    ASSERT_TRUE(trace.forward->record.summary->final_answer);
    EXPECT_EQ(trace.forward->record.summary->final_answer->kind, AnswerKind::tcp_syn_ack);  // port 443 open
    std::set<IpAddress> at_two;
    for (const auto& vertex : trace.forward->record.graph->vertices)
        if (vertex.address && vertex.ttl == 2)
            at_two.insert(*vertex.address);
    EXPECT_EQ(at_two.size(), 2u);  // source ports balance like destination ports
}

TEST(Options, VaryingTheDestinationPortStopsAtTheFirewall) {
    SimulatedNetwork network(firewalled_diamond(), 1);
    const auto trace = simulate_trace(network, tcp_multipath(network.topology()));
    EXPECT_NE(trace.forward->record.summary->end, TraceEnd::reached);
}

TEST(Options, TraceBoundAsksForMoreFlowsThanThePerBranchingPointBound) {
    const auto probes = [](bool trace_bound) {
        auto generated = make_diamond({4, 3, false, {}, 2, 1'000'000});
        SimulatedNetwork network(generated.topology, 3);
        SimulatedTraceSpec spec;
        spec.target = generated.truth.destination;
        spec.multipath_settings.trace_bound = trace_bound;
        const auto trace = simulate_trace(network, spec);
        EXPECT_TRUE(score_trace(*trace.forward->record.graph, generated.truth).complete());
        return trace.forward->probes_sent;
    };
    const auto per_point = probes(false);
    const auto whole = probes(true);
    // ~20 vertices share 5%: each gets 0.25%, and n_2 grows from 6 to 10.
    EXPECT_GT(whole, per_point * 3 / 2);
}

}  // namespace
}  // namespace rtt::sim
