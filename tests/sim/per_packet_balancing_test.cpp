// SPDX-License-Identifier: MIT
// Per-packet balancers (issue 31): behind one, a flow takes another way on every probe, so the
// links the rounds draw from it may be false. The engine's per-packet test must mark them, in a
// thousand traces through diamonds whose divergence router balances per packet not one false
// link may be shown as certain; and per-flow diamonds must never be marked.
#include <algorithm>

#include <gtest/gtest.h>

#include "simulated_trace.h"
#include "topology_catalogue.h"
#include "trace_score.h"

namespace rtt::sim {
namespace {

constexpr std::int64_t kMs = 1'000'000;

SimulatedTraceSpec spec_for(const GeneratedTopology& generated, std::uint64_t seed) {
    SimulatedTraceSpec spec;
    spec.target = generated.truth.destination;
    spec.multipath = true;
    spec.prober.first_id = static_cast<std::uint16_t>(100 + seed * 977 % 60000);
    spec.multipath_settings.first_flow = static_cast<std::uint16_t>(10000 + seed * 7919 % 50000);
    return spec;
}

struct Tally {
    int traces = 0;
    int false_edges = 0;
    int false_certain_edges = 0;
    int marked_traces = 0;  // traces with a vertex marked per-packet
    int missed_vertex = 0;  // traces that missed a vertex (the rounds' own failure, within ε)
    // False links shown as certain, and traces left unmarked, among the traces that found every vertex.
    int false_certain_when_complete = 0;
    int unmarked_when_complete = 0;
    std::uint64_t probes = 0;
};

Tally run(const DiamondShape& shape, int traces, std::uint64_t first_seed) {
    Tally tally;
    const auto generated = make_diamond(shape);
    for (int i = 0; i < traces; ++i) {
        const std::uint64_t seed = first_seed + static_cast<std::uint64_t>(i);
        SimulatedNetwork network(generated.topology, seed);
        const auto trace = simulate_trace(network, spec_for(generated, seed));
        EXPECT_FALSE(trace.hung) << shape_name(shape) << " seed " << seed;
        const auto& graph = *trace.forward->record.graph;
        const auto score = score_trace(graph, generated.truth);
        ++tally.traces;
        tally.false_edges += score.false_edges;
        tally.false_certain_edges += score.false_certain_edges;
        const bool marked = std::any_of(graph.vertices.begin(), graph.vertices.end(),
                                        [](const MultipathVertex& v) { return v.per_packet; });
        tally.marked_traces += marked ? 1 : 0;
        if (score.missing_vertices > 0) {
            ++tally.missed_vertex;
        } else {
            tally.false_certain_when_complete += score.false_certain_edges;
            tally.unmarked_when_complete += marked ? 0 : 1;
        }
        tally.probes += trace.forward->probes_sent;
    }
    return tally;
}

TEST(PerPacketBalancing, AThousandTracesShowNoFalseLinkAsCertain) {
    // Diamonds of two to four hops' depth, plain and meshed, even and uneven: behind the
    // per-packet router every inner hop has several vertices, so the rounds draw false links.
    // What the test cannot see: a hop where the rounds missed a vertex (their failure, within
    // ε per branching point) looks like one vertex, untested, and the links out of it are drawn
    // as certain (docs/multipath.md §1). Those traces are counted apart and must stay rare.
    const std::vector<DiamondShape> shapes{
        {2, 2, false, {}, 1, kMs, true}, {3, 2, false, {}, 1, kMs, true},     {4, 3, false, {}, 1, kMs, true},
        {4, 2, true, {}, 2, kMs, true},  {2, 3, false, {3, 1}, 1, kMs, true},
    };
    int false_edges = 0;
    int traces = 0;
    int missed_vertex = 0;
    int false_certain = 0;
    for (std::size_t i = 0; i < shapes.size(); ++i) {
        const auto tally = run(shapes[i], 200, 1 + 1000 * i);
        EXPECT_EQ(tally.false_certain_when_complete, 0) << shape_name(shapes[i]);
        EXPECT_EQ(tally.unmarked_when_complete, 0) << shape_name(shapes[i]);
        false_edges += tally.false_edges;
        traces += tally.traces;
        missed_vertex += tally.missed_vertex;
        false_certain += tally.false_certain_edges;
    }
    EXPECT_EQ(traces, 1000);
    // The test would mean nothing if the rounds drew no false links to mark.
    EXPECT_GT(false_edges, 1000);
    // The rounds miss a vertex in a few percent of these traces (the 3:1 split is uneven).
    EXPECT_LE(missed_vertex, 50);
    RecordProperty("traces_with_a_missed_vertex", missed_vertex);
    RecordProperty("false_certain_links_there", false_certain);
}

TEST(PerPacketBalancing, PerFlowDiamondsAreNeverMarked) {
    const std::vector<DiamondShape> shapes{
        {2, 2, false, {}, 1, kMs}, {4, 3, false, {}, 1, kMs}, {4, 2, true, {}, 2, kMs}, {2, 3, false, {3, 1}, 1, kMs}};
    for (std::size_t i = 0; i < shapes.size(); ++i) {
        const auto tally = run(shapes[i], 50, 7 + 1000 * i);
        EXPECT_EQ(tally.marked_traces, 0) << shape_name(shapes[i]);
        EXPECT_EQ(tally.false_edges, 0) << shape_name(shapes[i]);
    }
}

TEST(PerPacketBalancing, AOneHopDiamondIsNotTested) {
    // Behind a per-packet router a one-hop diamond's links all hold whichever way a packet went
    // (every flow meets the divergence and convergence routers), so no repeat is spent on it.
    const auto per_packet = run({4, 1, false, {}, 1, kMs, true}, 50, 1);
    const auto per_flow = run({4, 1, false, {}, 1, kMs}, 50, 1);
    EXPECT_EQ(per_packet.marked_traces, 0);
    EXPECT_EQ(per_packet.false_edges, 0);
    EXPECT_LT(per_packet.probes, per_flow.probes * 12 / 10);
}

}  // namespace
}  // namespace rtt::sim
