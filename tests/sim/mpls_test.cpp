// SPDX-License-Identifier: MIT
// MPLS label stacks (RFC 4950) quoted by a label-switching router, which this kernel cannot
// make: the simulated router appends them in an RFC 4884 extension; the client shows them per
// hop in text, JSON and drawing.
#include <gtest/gtest.h>

#include <cstdio>

#include "measurement/graph_render.h"
#include "measurement/json_measurement.h"
#include "net/reverse_resolver.h"
#include "output/text_report.h"
#include "simulated_trace.h"

namespace rtt::sim {
namespace {

const MplsStack kStack{{24000, 0, false, 1}, {16, 0, true, 1}};
const char* const kText = "MPLS L=24000 TC=0 S=0 TTL=1, L=16 TC=0 S=1 TTL=1";

SimulatedTrace trace_line(Family family, bool multipath) {
    Topology topology = Topology::load(std::string(RTT_TOPOLOGY_DIR) + "/line.topo");
    topology.node("r2").behaviour.mpls_labels = {24000, 16};
    SimulatedNetwork network(topology, 1);
    SimulatedTraceSpec spec;
    spec.target = topology.address("server", family);
    spec.multipath = multipath;
    spec.prober.first_id = 500;
    return simulate_trace(network, spec);
}

std::string read_all(std::FILE* file) {
    std::rewind(file);
    std::string text;
    char buffer[4096];
    while (const std::size_t n = std::fread(buffer, 1, sizeof buffer, file))
        text.append(buffer, n);
    return text;
}

class Mpls : public ::testing::TestWithParam<Family> {};

TEST_P(Mpls, SinglePathHopCarriesTheStackOthersNone) {
    const auto trace = trace_line(GetParam(), false);
    const auto& hops = trace.forward->record.hops;
    ASSERT_EQ(hops.size(), 4u);
    for (std::size_t i = 0; i < hops.size(); ++i)
        for (const auto& reply : hops[i].replies) {
            ASSERT_TRUE(reply.answer);
            EXPECT_EQ(reply.answer->mpls, i == 1 ? kStack : MplsStack{}) << "ttl " << i + 1;
        }
}

TEST_P(Mpls, MultipathVertexJsonAndDrawingShowTheStack) {
    const auto trace = trace_line(GetParam(), true);
    const auto& graph = *trace.forward->record.graph;
    int with_labels = 0;
    for (const auto& vertex : graph.vertices)
        if (!vertex.mpls.empty()) {
            ++with_labels;
            EXPECT_EQ(vertex.ttl, 2);
            EXPECT_EQ(vertex.mpls, std::vector<MplsStack>{kStack});
        }
    EXPECT_EQ(with_labels, 1);
    const auto json = trace_json(graph);
    const auto stored = graph_from_trace_json(json);  // what the collector reads back
    EXPECT_EQ(stored.vertices[2].mpls, std::vector<MplsStack>{kStack});
    EXPECT_EQ(json[2]["mpls"][0][1]["label"], 16);
    EXPECT_EQ(json[2]["mpls"][0][1]["s"], true);
    EXPECT_FALSE(json[1].contains("mpls"));
    const std::string svg = render_graph({{"forward", &graph}}, {}, "svg");
    EXPECT_NE(svg.find("MPLS L=24000"), std::string::npos);
}

TEST_P(Mpls, TextShowsTheStackOnItsHop) {
    Topology topology = Topology::load(std::string(RTT_TOPOLOGY_DIR) + "/line.topo");
    topology.node("r2").behaviour.mpls_labels = {24000, 16};
    SimulatedNetwork network(topology, 1);
    SimulatedTraceSpec spec;
    spec.target = topology.address("server", GetParam());
    spec.multipath = false;
    const auto trace = simulate_trace(network, spec);
    std::FILE* out = std::tmpfile();
    {
        client::ReverseResolver resolver(false, std::chrono::milliseconds(1));
        client::TextReport report(out, resolver);
        client::SectionHeading heading;
        heading.direction = TraceDirection::forward;
        heading.protocol = Protocol::udp;
        heading.target_name = spec.target.to_string();
        heading.target = spec.target;
        heading.source = topology.address("client", GetParam());
        heading.end_of_path = spec.target;
        auto& section = report.add_section(heading);
        for (const auto& hop : trace.forward->record.hops)
            section.on_hop(hop);
        section.on_end(*trace.forward->record.summary);
    }
    const std::string text = read_all(out);
    std::fclose(out);
    const auto second = text.find("\n 2 ");
    ASSERT_NE(second, std::string::npos) << text;
    const auto line = text.substr(second + 1, text.find('\n', second + 1) - second - 1);
    EXPECT_NE(line.find(std::string("[") + kText + "]"), std::string::npos) << line;
    EXPECT_EQ(text.find("MPLS", text.find('\n', second + 1)), std::string::npos) << text;  // no other hop
}

INSTANTIATE_TEST_SUITE_P(Sim, Mpls, ::testing::Values(Family::v4, Family::v6),
                         [](const auto& info) { return info.param == Family::v4 ? "v4" : "v6"; });

}  // namespace
}  // namespace rtt::sim
