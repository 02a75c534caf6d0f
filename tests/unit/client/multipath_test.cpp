// SPDX-License-Identifier: MIT
// Multipath units: the stopping points against docs/multipath.md §1, and the graph
// built from what flows met (edges from shared flows, inferred edges through a single-vertex
// hop, black holes that reconnect, trimming of trailing silence, merging of duplicates), what
// per-packet balancing marks, what the traces to other addresses mark (--per-destination), and
// the per-packet test's verdicts.
#include <algorithm>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "engine/per_packet_test.h"
#include "engine/stopping_points.h"
#include "measurement/multipath_graph.h"
#include "per_destination_traces.h"

namespace rtt::client {
namespace {

TEST(StoppingPoints, ExactFormMatchesTheTableAtFivePercent) {
    const StoppingPoints exact(0.05);
    const int expected[] = {0, 0, 6, 11, 16, 21, 27, 33, 38, 44, 51, 57, 63, 70, 76, 83, 90};
    for (int k = 1; k <= 16; ++k)
        EXPECT_EQ(exact.flows_for(k), expected[k]) << "k = " << k;
    // The published 765 is the union bound; the exact miss chance is already below 5% at 763.
    EXPECT_EQ(exact.flows_for(101), 763);
    EXPECT_EQ(StoppingPoints(0.05, StoppingRule::union_bound).flows_for(101), 765);
}

TEST(StoppingPoints, UnionBoundDiffersWhereTheTableSaysSo) {
    const StoppingPoints union_bound(0.05, StoppingRule::union_bound);
    EXPECT_EQ(union_bound.flows_for(8), 39);
    EXPECT_EQ(union_bound.flows_for(9), 45);
    EXPECT_EQ(union_bound.flows_for(14), 77);
    EXPECT_EQ(union_bound.flows_for(2), 6);
}

TEST(StoppingPoints, OnePercent) {
    const StoppingPoints exact(0.01);
    const int expected[] = {0, 0, 8, 15, 21, 28, 36, 43, 51, 58, 66, 74, 82, 90, 98, 106, 115};
    for (int k = 1; k <= 16; ++k)
        EXPECT_EQ(exact.flows_for(k), expected[k]) << "k = " << k;
    EXPECT_EQ(exact.flows_for(101), 927);
}

TEST(StoppingPoints, MissProbabilityStaysUnderEpsilonAtTheStoppingPoint) {
    const StoppingPoints exact(0.05);
    for (int k = 2; k <= 40; ++k) {
        const int n = exact.flows_for(k);
        EXPECT_LE(miss_probability(k, n), 0.05);
        EXPECT_GT(miss_probability(k, n - 1), 0.05);
    }
    EXPECT_THROW(StoppingPoints(0.0), std::invalid_argument);
    EXPECT_THROW(StoppingPoints(1.0), std::invalid_argument);
}

TEST(StoppingPoints, MinShareCoversEverySplitWhoseSmallestBranchHasIt) {
    // One successor seen, shares of at least 1/4: at most 3 unseen, 3·0.75^n ≤ 0.05 from n = 15.
    const StoppingPoints quarter(0.05, StoppingRule::exact, 0.25);
    EXPECT_EQ(quarter.flows_for(2), 15);
    EXPECT_LE(uneven_miss_bound(1, 15, 0.25), 0.05);
    EXPECT_GT(uneven_miss_bound(1, 14, 0.25), 0.05);
    // Four seen with shares of at least 1/4: no fifth fits, the even table alone decides.
    EXPECT_EQ(uneven_miss_bound(4, 1, 0.25), 0.0);
    EXPECT_EQ(quarter.flows_for(5), StoppingPoints(0.05).flows_for(5));
    // 1/10 after one successor: 9·0.9^n ≤ 0.05 from n = 50; a 9:1 split's small branch is
    // missed by 50 flows with probability 0.9^50 ≈ 0.005.
    const StoppingPoints tenth(0.05, StoppingRule::exact, 0.1);
    EXPECT_EQ(tenth.flows_for(2), 50);
    for (int k = 2; k <= 12; ++k) {
        EXPECT_GE(tenth.flows_for(k), StoppingPoints(0.05).flows_for(k)) << "k = " << k;
        EXPECT_LE(uneven_miss_bound(k - 1, tenth.flows_for(k), 0.1), 0.05) << "k = " << k;
    }
    // A share of one half adds nothing to the even table: a second branch of 1/2 needs 5 flows.
    EXPECT_EQ(StoppingPoints(0.05, StoppingRule::exact, 0.5).flows_for(2), 6);
    EXPECT_THROW(StoppingPoints(0.05, StoppingRule::exact, 0.6), std::invalid_argument);
    EXPECT_THROW(StoppingPoints(0.05, StoppingRule::exact, -0.1), std::invalid_argument);
}

const IpAddress kRoot = *IpAddress::parse("198.18.1.1");
const IpAddress kTarget = *IpAddress::parse("198.18.6.2");

FlowObservation answer(const char* address, AnswerKind kind = AnswerKind::time_exceeded) {
    FlowObservation o;
    o.state = FlowObservation::State::answered;
    Answer a;
    a.kind = kind;
    a.responder = *IpAddress::parse(address);
    o.answer = a;
    o.rtt_ms = 1.0;
    return o;
}

FlowObservation silence() {
    FlowObservation o;
    o.state = FlowObservation::State::silent;
    return o;
}

std::vector<std::uint16_t> flows(std::size_t n) {
    std::vector<std::uint16_t> values;
    for (std::size_t i = 0; i < n; ++i)
        values.push_back(static_cast<std::uint16_t>(20000 + i));
    return values;
}

// (from address, to address, inferred) for every edge.
std::set<std::tuple<std::string, std::string, bool>> edges_of(const MultipathGraph& g) {
    std::set<std::tuple<std::string, std::string, bool>> edges;
    const auto name = [&](int id) {
        const auto& v = g.vertices[static_cast<std::size_t>(id)];
        return v.address ? v.address->to_string() : "***@" + std::to_string(v.ttl);
    };
    for (const auto& e : g.edges)
        edges.insert({name(e.from), name(e.to), e.inferred});
    return edges;
}

TEST(MultipathGraph, DiamondFromSharedFlows) {
    ObservationTable table;
    for (int i = 0; i < 4; ++i) {
        table[1].push_back(answer("198.18.1.2"));
        table[2].push_back(answer(i % 2 ? "198.18.3.2" : "198.18.2.2"));
        table[3].push_back(answer(i % 2 ? "198.18.5.2" : "198.18.4.2"));
        table[4].push_back(answer("198.18.6.2", AnswerKind::unreachable));
    }
    const auto g = build_graph(table, flows(4), kRoot, 1, 4, kTarget);
    ASSERT_EQ(g.vertices.size(), 7u);
    EXPECT_EQ(g.vertices[0].address, kRoot);
    const std::set<std::tuple<std::string, std::string, bool>> expected{
        {"198.18.1.1", "198.18.1.2", false}, {"198.18.1.2", "198.18.2.2", false}, {"198.18.1.2", "198.18.3.2", false},
        {"198.18.2.2", "198.18.4.2", false}, {"198.18.3.2", "198.18.5.2", false}, {"198.18.4.2", "198.18.6.2", false},
        {"198.18.5.2", "198.18.6.2", false}};
    EXPECT_EQ(edges_of(g), expected);
    EXPECT_TRUE(g.vertices.back().end_of_path);
    EXPECT_EQ(g.vertices[1].flows.size(), 4u);
}

TEST(MultipathGraph, FlowsNotProbedAtASingleVertexHopGiveInferredEdges) {
    ObservationTable table;
    table[1] = {answer("198.18.1.2"), answer("198.18.1.2"), FlowObservation{}};
    table[2] = {answer("198.18.2.2"), answer("198.18.2.2"), answer("198.18.3.2")};
    const auto g = build_graph(table, flows(3), kRoot, 1, 2, kTarget);
    const auto edges = edges_of(g);
    EXPECT_TRUE(edges.count({"198.18.1.2", "198.18.2.2", false}));
    EXPECT_TRUE(edges.count({"198.18.1.2", "198.18.3.2", true}));
}

TEST(MultipathGraph, NoInferenceWithoutEnoughFlowsAtTheSingleVertex) {
    ObservationTable table;
    table[1] = {answer("198.18.1.2"), FlowObservation{}};
    table[2] = {answer("198.18.2.2"), answer("198.18.3.2")};
    const auto g = build_graph(table, flows(2), kRoot, 1, 6, kTarget);
    EXPECT_FALSE(edges_of(g).count({"198.18.1.2", "198.18.3.2", true}));
}

TEST(MultipathGraph, BlackHoleReconnectsAndTrailingSilenceIsTrimmed) {
    ObservationTable table;
    table[1] = {answer("198.18.1.2"), answer("198.18.1.2")};
    table[2] = {silence(), answer("198.18.3.2")};
    table[3] = {answer("198.18.4.2"), answer("198.18.5.2")};
    table[4] = {answer("198.18.6.2", AnswerKind::unreachable), silence()};
    table[5] = {FlowObservation{}, silence()};
    const auto g = build_graph(table, flows(2), kRoot, 1, 2, kTarget);
    const auto edges = edges_of(g);
    EXPECT_TRUE(edges.count({"198.18.1.2", "***@2", false}));
    EXPECT_TRUE(edges.count({"***@2", "198.18.4.2", false}));
    // Flow 1 went silent after 198.18.5.2 for good: no black holes hang off it.
    for (const auto& v : g.vertices)
        EXPECT_TRUE(v.address || v.ttl == 2) << "untrimmed black hole at ttl " << int(v.ttl);
    EXPECT_TRUE(g.successors(static_cast<int>(g.vertices.size()) - 1).empty());
}

TEST(MultipathGraph, MergeFoldsTheSameAddressAtTwoTtls) {
    ObservationTable table;
    table[1] = {answer("198.18.1.2"), answer("198.18.1.2")};
    table[2] = {answer("198.18.2.2"), answer("198.18.9.9")};
    table[3] = {answer("198.18.4.2"), answer("198.18.2.2")};
    const auto g = build_graph(table, flows(2), kRoot, 1, 2, kTarget);
    EXPECT_EQ(g.vertices.size(), 6u);
    const auto m = g.merged();
    EXPECT_EQ(m.vertices.size(), 5u);
    const auto edges = edges_of(m);
    EXPECT_TRUE(edges.count({"198.18.9.9", "198.18.2.2", false}));
    EXPECT_TRUE(edges.count({"198.18.2.2", "198.18.4.2", false}));
    for (const auto& e : m.edges)
        EXPECT_NE(e.from, e.to);
}

TEST(MultipathGraph, SingleVertexNeedsEnoughAgreeingFlowsAndNoSilence) {
    const std::vector<FlowObservation> same{answer("198.18.1.2"), answer("198.18.1.2")};
    EXPECT_EQ(single_vertex(same, 2, kTarget), IpAddress(*IpAddress::parse("198.18.1.2")));
    EXPECT_FALSE(single_vertex(same, 3, kTarget));
    EXPECT_FALSE(single_vertex({answer("198.18.1.2"), silence()}, 1, kTarget));
    EXPECT_FALSE(single_vertex({answer("198.18.1.2"), answer("198.18.1.3")}, 1, kTarget));
    EXPECT_FALSE(single_vertex({answer("198.18.6.2"), answer("198.18.6.2")}, 1, kTarget));
}

// A w2 l2 diamond: 198.18.1.2, then {2.2, 3.2}, then {4.2, 5.2}, then the destination; four
// flows, with the crossings per-packet balancing makes (flow 2 meets 2.2 and then 5.2).
MultipathGraph two_hop_diamond() {
    ObservationTable table;
    const char* second[] = {"198.18.2.2", "198.18.3.2", "198.18.2.2", "198.18.3.2"};
    const char* third[] = {"198.18.4.2", "198.18.5.2", "198.18.5.2", "198.18.4.2"};
    for (int i = 0; i < 4; ++i) {
        table[1].push_back(answer("198.18.1.2"));
        table[2].push_back(answer(second[i]));
        table[3].push_back(answer(third[i]));
        table[4].push_back(answer("198.18.6.2", AnswerKind::unreachable));
    }
    return build_graph(table, flows(4), kRoot, 1, 4, kTarget);
}

// (from, to) of the edges marked uncertain, and the TTLs of the vertices marked per packet.
std::set<std::pair<std::string, std::string>> uncertain_of(const MultipathGraph& g) {
    std::set<std::pair<std::string, std::string>> result;
    for (const auto& e : g.edges)
        if (e.uncertain)
            result.insert({g.vertices[static_cast<std::size_t>(e.from)].address->to_string(),
                           g.vertices[static_cast<std::size_t>(e.to)].address->to_string()});
    return result;
}
std::set<int> per_packet_ttls(const MultipathGraph& g) {
    std::set<int> result;
    for (const auto& v : g.vertices)
        if (v.per_packet)
            result.insert(v.ttl);
    return result;
}

TEST(MultipathGraph, PerPacketMarksRunFromAVaryingHopToAPerFlowOrSingleOne) {
    // Hop 2 varies: every way to hop 3 is in doubt, the links into the destination are not (it
    // is alone at its hop), nor those from the single vertex before.
    auto g = two_hop_diamond();
    mark_per_packet(g, {2}, {1});
    EXPECT_EQ(per_packet_ttls(g), (std::set<int>{2, 3}));
    const std::set<std::pair<std::string, std::string>> crossing{{"198.18.2.2", "198.18.4.2"},
                                                                 {"198.18.2.2", "198.18.5.2"},
                                                                 {"198.18.3.2", "198.18.4.2"},
                                                                 {"198.18.3.2", "198.18.5.2"}};
    EXPECT_EQ(uncertain_of(g), crossing);
    // Hop 3 shown per flow: the way to it is fixed from there on, but links into it still
    // leave hop 2 by whatever way the packet took.
    g = two_hop_diamond();
    mark_per_packet(g, {2}, {1, 3});
    EXPECT_EQ(per_packet_ttls(g), (std::set<int>{2}));
    EXPECT_EQ(uncertain_of(g), crossing);
    // No varying hop: nothing marked, whatever was tested.
    g = two_hop_diamond();
    mark_per_packet(g, {}, {2, 3});
    EXPECT_TRUE(per_packet_ttls(g).empty());
    EXPECT_TRUE(uncertain_of(g).empty());
}

TEST(MultipathGraph, ALinkIntoAnUnconfirmedSingleVertexStaysUncertain) {
    ObservationTable table;
    for (int i = 0; i < 4; ++i) {
        table[1].push_back(answer(i % 2 ? "198.18.3.2" : "198.18.2.2"));
        table[2].push_back(answer("198.18.4.2"));
        table[3].push_back(answer("198.18.6.2", AnswerKind::unreachable));
    }
    auto g = build_graph(table, flows(4), kRoot, 1, 4, kTarget);
    mark_per_packet(g, {1}, {});
    EXPECT_EQ(uncertain_of(g).size(), 2u);  // a balancer may have hidden a second vertex at hop 2
    g = build_graph(table, flows(4), kRoot, 1, 4, kTarget);
    mark_per_packet(g, {1}, {2});
    EXPECT_TRUE(uncertain_of(g).empty());  // the test confirmed it
    const auto merged = g.merged();
    EXPECT_EQ(per_packet_ttls(merged), (std::set<int>{1}));
}

// A line 1.2, 2.2, 3.2 to the target at TTL 4, as every flow to it met it.
MultipathGraph line_to_target() {
    ObservationTable table;
    for (int i = 0; i < 6; ++i) {
        table[1].push_back(answer("198.18.1.2"));
        table[2].push_back(answer("198.18.2.2"));
        table[3].push_back(answer("198.18.3.2"));
        table[4].push_back(answer("198.18.6.2", AnswerKind::unreachable));
    }
    return build_graph(table, flows(6), kRoot, 1, 6, kTarget);
}

AlternatePath path_of(std::initializer_list<std::pair<int, const char*>> hops) {
    AlternatePath path;
    for (const auto& [ttl, address] : hops)
        path.emplace(static_cast<std::uint8_t>(ttl), *IpAddress::parse(address));
    return path;
}

// Address -> the other-destination next hops marked on it.
std::map<std::string, std::set<std::string>> other_destination_marks(const MultipathGraph& g) {
    std::map<std::string, std::set<std::string>> marks;
    for (const auto& v : g.vertices)
        for (const auto& hop : v.other_destination_next_hops)
            marks[v.address->to_string()].insert(hop.to_string());
    return marks;
}

TEST(MultipathGraph, PerDestinationMarksTheVertexWhereAnotherAddressLeavesTheGraph) {
    auto g = line_to_target();
    mark_per_destination(g, {
                                path_of({{1, "198.18.1.2"}, {2, "198.18.2.2"}, {3, "198.18.7.2"}}),
                                path_of({{1, "198.18.1.2"}, {2, "198.18.8.2"}, {3, "198.18.3.2"}}),
                                path_of({{1, "198.18.1.2"}, {2, "198.18.2.2"}, {3, "198.18.7.2"}}),
                            });
    const std::map<std::string, std::set<std::string>> expected{{"198.18.2.2", {"198.18.7.2"}},
                                                                {"198.18.1.2", {"198.18.8.2"}}};
    EXPECT_EQ(other_destination_marks(g), expected);
    // Once merged (as the report shows it) the marks stay, each next hop once.
    EXPECT_EQ(other_destination_marks(g.merged()), expected);
    for (const auto& v : g.vertices) {
        if (v.address == IpAddress::parse("198.18.2.2")) {
            EXPECT_EQ(v.other_destination_next_hops.size(), 1u);  // two alternates met 7.2 there
        }
    }
}

TEST(MultipathGraph, PerDestinationJudgesNeitherPastASilentHopNorBesideTheTarget) {
    auto g = line_to_target();
    mark_per_destination(g, {
                                // Silent at TTL 2: whose next hop 9.2 is, nobody knows.
                                path_of({{1, "198.18.1.2"}, {3, "198.18.9.2"}}),
                                // At the target's depth another address may simply live elsewhere.
                                path_of({{1, "198.18.1.2"}, {2, "198.18.2.2"}, {3, "198.18.3.2"}, {4, "198.18.10.2"}}),
                                // The same way as the target's flows.
                                path_of({{1, "198.18.1.2"}, {2, "198.18.2.2"}, {3, "198.18.3.2"}}),
                                // Nothing heard.
                                path_of({}),
                            });
    EXPECT_TRUE(other_destination_marks(g).empty());
}

TEST(MultipathGraph, PerDestinationFromTheTracingHostItself) {
    // The first hop already differs: the host's own routes balance per destination.
    auto g = line_to_target();
    mark_per_destination(g, {path_of({{1, "198.18.11.2"}, {2, "198.18.2.2"}})});
    const std::map<std::string, std::set<std::string>> expected{{"198.18.1.1", {"198.18.11.2"}}};
    EXPECT_EQ(other_destination_marks(g), expected);
}

TEST(PerDestinationAddresses, SpreadOverThePrefixNeverTheTargetNorItsEnds) {
    const auto v4 = per_destination_addresses(*IpAddress::parse("198.18.6.2"), 6);
    ASSERT_EQ(v4.size(), 6u);
    std::set<IpAddress> distinct(v4.begin(), v4.end());
    EXPECT_EQ(distinct.size(), 6u);
    for (const IpAddress& a : v4) {
        const auto w = a.wire();
        EXPECT_TRUE(a.is_v4());
        EXPECT_EQ(a.to_string().rfind("198.18.6.", 0), 0u) << a.to_string();
        EXPECT_NE(w[15], 2);
        EXPECT_NE(w[15], 0);
        EXPECT_NE(w[15], 255);
    }
    // Spread: not six neighbours of the target.
    EXPECT_GT(std::max_element(v4.begin(), v4.end())->wire()[15] - std::min_element(v4.begin(), v4.end())->wire()[15],
              100);
    // As many as the prefix holds, at most.
    EXPECT_EQ(per_destination_addresses(*IpAddress::parse("198.18.6.2"), 1000).size(), 253u);
    const auto v6 = per_destination_addresses(*IpAddress::parse("2001:db8:6::2"), 3);
    ASSERT_EQ(v6.size(), 3u);
    for (const IpAddress& a : v6)
        EXPECT_EQ(a.to_string().rfind("2001:db8:6::", 0), 0u) << a.to_string();
}

// The per-packet test on a two-hop diamond's observations (two flows).
TEST(PerPacketTest, RepeatsRoundRobinAndStopAtTheFirstOtherResponder) {
    ObservationTable table;
    const char* second[] = {"198.18.2.2", "198.18.3.2"};
    const char* third[] = {"198.18.4.2", "198.18.5.2"};
    for (int i = 0; i < 2; ++i) {
        table[1].push_back(answer("198.18.1.2"));
        table[2].push_back(answer(second[i]));
        table[3].push_back(answer(third[i]));
        table[4].push_back(answer("198.18.6.2", AnswerKind::unreachable));
    }
    PerPacketTest test(14);
    const auto first = test.start(table, kTarget, {});
    // A window of four, at hop 2 only: hop 1 shows one vertex, and hop 3's links lead to one.
    ASSERT_EQ(first.size(), 4u);
    EXPECT_EQ(first[0].ttl, 2);
    EXPECT_EQ(first[0].flow, 0u);
    EXPECT_EQ(first[1].flow, 1u);
    // Same responders: each answer sends the next repeat, until 14 answered.
    int answered = 0;
    std::vector<PerPacketTest::Repeat> out = first;
    for (std::size_t i = 0; i < out.size(); ++i) {
        const auto more = test.on_outcome(out[i], *IpAddress::parse(second[out[i].flow]));
        ++answered;
        out.insert(out.end(), more.begin(), more.end());
    }
    EXPECT_EQ(answered, 14);
    EXPECT_EQ(test.per_flow(), (std::set<std::uint8_t>{2}));
    EXPECT_TRUE(test.varying().empty());

    // Another responder for flow 0: per packet, and the untested neighbours are tested.
    PerPacketTest again(14);
    const auto repeats = again.start(table, kTarget, {});
    const auto next = again.on_outcome(repeats[0], *IpAddress::parse("198.18.3.2"));
    EXPECT_EQ(again.varying(), (std::set<std::uint8_t>{2}));
    std::set<int> tested;
    for (const auto& r : next)
        tested.insert(r.ttl);
    EXPECT_EQ(tested, (std::set<int>{1, 3}));
    // A lost repeat gives the hop up (a rate limit, most likely), and a rate-limited hop is not
    // tested at all: no verdict either way.
    PerPacketTest lossy(14);
    auto lost = lossy.start(table, kTarget, {});
    ASSERT_EQ(lost.size(), 4u);
    EXPECT_TRUE(lossy.on_outcome(lost[0], std::nullopt).empty());
    EXPECT_TRUE(lossy.on_outcome(lost[1], *IpAddress::parse(second[lost[1].flow])).empty());
    EXPECT_EQ(lossy.undecided(), 1u);
    EXPECT_TRUE(lossy.per_flow().empty());
    PerPacketTest limited(14);
    EXPECT_TRUE(limited.start(table, kTarget, {2}).empty());
    EXPECT_EQ(limited.undecided(), 1u);
}

}  // namespace
}  // namespace rtt::client
