// SPDX-License-Identifier: MIT
// Diamond-Miner planning by tables: what the flows met in, the flows wanted out. A hop is written
// one token per flow: a letter is the router 198.18.0.N that answered (A = .1), T the traced
// target, * silence, - not probed. At --confidence 0.05, n_2 = 6, n_3 = 11 and n_4 = 16.
// Also the rate-limit detection and pacing, driven by the events the engine reports.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <sstream>

#include "engine/flow_plan.h"
#include "engine/rate_limit_pacing.h"

namespace rtt::client {
namespace {

const IpAddress kTarget = *IpAddress::parse("198.18.9.9");

std::vector<FlowObservation> hop(const std::string& text) {
    std::vector<FlowObservation> flows;
    std::istringstream in(text);
    std::string token;
    while (in >> token) {
        FlowObservation observation;
        if (token == "*") {
            observation.state = FlowObservation::State::silent;
        } else if (token != "-") {
            observation.state = FlowObservation::State::answered;
            Answer answer;
            answer.responder =
                token == "T" ? kTarget : *IpAddress::parse(fmt::format("198.18.0.{}", token[0] - 'A' + 1));
            observation.answer = answer;
        }
        flows.push_back(observation);
    }
    return flows;
}

std::set<std::size_t> range(std::size_t first, std::size_t last, std::set<std::size_t> more = {}) {
    for (std::size_t flow = first; flow <= last; ++flow)
        more.insert(flow);
    return more;
}

struct PlanCase {
    std::string name;
    std::map<std::uint8_t, std::string> table;
    WantedFlows wanted;    // before the plan
    WantedFlows expected;  // after it
};

class FlowPlanTable : public testing::TestWithParam<PlanCase> {};

TEST_P(FlowPlanTable, WantsTheFlowsTheStoppingPointsAskFor) {
    const PlanCase& c = GetParam();
    ObservationTable table;
    for (const auto& [ttl, text] : c.table)
        table[ttl] = hop(text);
    const StoppingPoints stops(0.05);
    const ObservationQueries queries(table, stops, PlanLimits{1, 30, 3, kTarget});
    EXPECT_EQ(plan_flows(queries, c.wanted), c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, FlowPlanTable,
    testing::Values(
        // One vertex in n_2 flows: no second one to look for, nothing more.
        PlanCase{"OneVertexIsSettled", {{1, "A A A A A A"}}, {}, {}},
        // Two vertices after the root: n_3 = 11 flows there.
        PlanCase{"TwoVerticesWantElevenFlows", {{1, "A B A B A B"}}, {}, {{1, range(0, 10)}}},
        // Silence counts as a successor of its own.
        PlanCase{"SilenceIsASuccessor", {{1, "A A A * * *"}}, {}, {{1, range(0, 10)}}},
        // Three vertices after a single one: n_4 = 16 at that hop.
        PlanCase{"ThreeVerticesAfterASingleOne", {{1, "A A A A A A"}, {2, "B C D B C D"}}, {}, {{2, range(0, 15)}}},
        // After a hop of two vertices each needs its own n_2 flows at the next TTL: A has six,
        // B five, so new flows go to hop 1, as many as B's share (5 of 11) says bring one more.
        PlanCase{"EachVertexNeedsItsOwnFlows",
                 {{1, "A B A B A B A B A B A"}, {2, "C D C D C D - - - - -"}},
                 {{1, range(0, 10)}},
                 {{1, range(0, 13)}, {2, range(0, 10)}}},
        // Flows already on their way to hop 1 are waited for, not asked for again.
        PlanCase{"PendingFlowsAreWaitedFor",
                 {{1, "A B A B A B A B A B A"}, {2, "C D C D C D - - - - -"}},
                 {{1, range(0, 13)}},
                 {{1, range(0, 13)}, {2, range(0, 10)}}},
        // Eleven flows asked for at hop 1 (two successors), four answered so far, the others
        // not yet sent (a paced hop): the table ends at flow 3, yet nothing more is asked for.
        // (Counting only the table's flows asked for seven more at every plan: 56 flows at a
        // hop that needed 15, on the lab diamond with r2a silent under Linux's limits.)
        PlanCase{"FlowsAskedForBeyondTheTableAreCounted", {{1, "A * A *"}}, {{1, range(0, 10)}}, {{1, range(0, 10)}}},
        // No new flows are steered toward a black hole: its share cannot be aimed at.
        PlanCase{"NoFlowsSteeredToABlackHole",
                 {{1, "A * A * A * A * A * A"}, {2, "C - C - C - - - - - -"}},
                 {{1, range(0, 10)}},
                 {{1, range(0, 10)}, {2, range(0, 10)}}},
        // A flow wanted beyond a hop of several vertices is carried back to it (its edge).
        PlanCase{"WantedFlowsAreCarriedBack",
                 {{1, "A B A B A B"}},
                 {{2, range(0, 5, {20})}},
                 {{1, range(0, 10, {20})}, {2, range(0, 5, {20})}}},
        // Nothing is planned past a hop where every flow reached the target.
        PlanCase{"NothingPastTheTarget", {{1, "A A A A A A"}, {2, "T T T T T T"}, {3, "- - - - - -"}}, {}, {}},
        // Flow 0 went silent at --abort-after (3) TTLs in a row: when hop 4 needs new flows
        // (D shows two successors at hop 5) flow 0 is not one of them, and none is carried back.
        PlanCase{"FlowsGivenUpAreNotReused",
                 {{1, "* A A A A A"}, {2, "* B B B B B"}, {3, "* C C C C C"}, {4, "- D D D D D"}, {5, "- E F E F E"}},
                 {{1, range(0, 5)}, {2, range(0, 5)}, {3, range(0, 5)}, {4, range(1, 5)}, {5, range(1, 5)}},
                 {{1, range(0, 11)}, {2, range(0, 11)}, {3, range(0, 11)}, {4, range(1, 11)}, {5, range(1, 5)}}}),
    [](const testing::TestParamInfo<PlanCase>& info) { return info.param.name; });

TEST(FlowPlan, AnUnplannedTtlWantsTheFirstFlows) {
    EXPECT_TRUE(is_wanted({}, 4, 5, 6));
    EXPECT_FALSE(is_wanted({}, 4, 6, 6));
    EXPECT_TRUE(is_wanted({{4, {9}}}, 4, 9, 6));
    EXPECT_FALSE(is_wanted({{4, {9}}}, 4, 0, 6));
}

TEST(FlowPlan, TraceBoundSplitsAmongVerticesThatDoNotEndThePath) {
    ObservationTable table{{1, hop("A B A B")}, {2, hop("T T * T")}};
    const StoppingPoints stops(0.05);
    const ObservationQueries queries(table, stops, PlanLimits{1, 30, 3, kTarget});
    EXPECT_DOUBLE_EQ(trace_bound_share(queries, 0.06), 0.02);  // A, B and the silence
}

TEST(FlowPlan, OneVertexNeedsEnoughFlowsAndNoSilence) {
    ObservationTable table{{1, hop("A A A A A A")}, {2, hop("B B B B B")}, {3, hop("C C C C C *")}};
    const StoppingPoints stops(0.05);
    const ObservationQueries queries(table, stops, PlanLimits{1, 30, 3, kTarget});
    EXPECT_EQ(queries.single(1), IpAddress::parse("198.18.0.1"));
    EXPECT_FALSE(queries.single(2));
    EXPECT_FALSE(queries.single(3));
    table[2] = hop("B B B B B B");
    EXPECT_FALSE(queries.single(2));  // cached until forgotten
    queries.forget(2);
    EXPECT_EQ(queries.single(2), IpAddress::parse("198.18.0.2"));
}

// Rate limits: a hop of one vertex over `flows` answered flows (the pace is per busiest vertex).
std::vector<FlowObservation> answered_by(std::size_t vertices, std::size_t flows) {
    std::string text;
    for (std::size_t i = 0; i < flows; ++i)
        text += std::string(1, static_cast<char>('A' + i % vertices)) + " ";
    return hop(text);
}

constexpr std::int64_t kSecond = 1'000'000'000;

TEST(RateLimitPacing, LossesAtAnAnsweringHopStartPacing) {
    RateLimitPacing pacing;
    const auto one = answered_by(1, 6);
    EXPECT_EQ(pacing.book_slot(3, &one, 5), 0);
    pacing.on_loss(3, false, 5);  // nothing answered there yet: a black hole, not a limit
    EXPECT_FALSE(pacing.paced(3));
    pacing.on_loss(3, true, 5);
    EXPECT_TRUE(pacing.paced(3));
    EXPECT_FALSE(pacing.paced(4));
    // One vertex takes every flow: a probe a second (the cap), slots booked one after another.
    EXPECT_EQ(pacing.book_slot(3, &one, 5), 5);
    EXPECT_EQ(pacing.book_slot(3, &one, 5), 5 + kSecond);
    EXPECT_EQ(pacing.book_slot(3, &one, 10 * kSecond), 10 * kSecond);
}

TEST(RateLimitPacing, TheBusiestVertexSetsThePaceAndLossesWhilePacedSlowIt) {
    RateLimitPacing pacing;
    const auto four = answered_by(4, 8);
    pacing.on_loss(2, true, 0);
    // Four vertices sharing the flows: each gets a quarter, so a probe every half second gives
    // each one every two seconds.
    EXPECT_EQ(pacing.book_slot(2, &four, 0), 0);
    EXPECT_EQ(pacing.book_slot(2, &four, 0), kSecond / 2);
    pacing.on_answer(2, 2, 1);  // lost while paced, answered later: slower
    EXPECT_EQ(pacing.book_slot(2, &four, 0), kSecond);
    EXPECT_EQ(pacing.book_slot(2, &four, 0), 2 * kSecond);
}

TEST(RateLimitPacing, ACheckThatLosesNothingEndsPacingUntilARetryProvesALimit) {
    RateLimitPacing pacing;
    pacing.on_loss(5, true, 0);
    EXPECT_FALSE(pacing.on_silent(5));  // one silent flow is not enough
    EXPECT_TRUE(pacing.on_silent(5));
    pacing.check_started(5);
    EXPECT_FALSE(pacing.on_silent(5));  // one check per hop
    for (int i = 0; i < RateLimitPacing::kCheckProbes; ++i)
        pacing.on_check_outcome(5, true);
    EXPECT_FALSE(pacing.paced(5));  // a silent router, not a rate limit
    pacing.on_loss(5, true, 0);
    EXPECT_FALSE(pacing.paced(5));  // its losses are silence
    pacing.on_answer(5, 2, 0);      // an answer that needed a retry: a limit after all
    pacing.on_loss(5, true, 0);
    EXPECT_TRUE(pacing.paced(5));
}

TEST(RateLimitPacing, ACheckThatLosesProbesKeepsPacing) {
    RateLimitPacing pacing;
    pacing.on_loss(5, true, 0);
    pacing.on_silent(5);
    ASSERT_TRUE(pacing.on_silent(5));
    pacing.check_started(5);
    for (int i = 0; i < RateLimitPacing::kCheckProbes; ++i)
        pacing.on_check_outcome(5, i % 3 != 0);
    EXPECT_TRUE(pacing.paced(5));
    EXPECT_FALSE(pacing.on_silent(5));
}

TEST(RateLimitPacing, ARetryAnsweredBeforeSilenceMeansNoCheck) {
    RateLimitPacing pacing;
    pacing.on_loss(5, true, 0);
    pacing.on_answer(5, 2, 0);
    pacing.on_silent(5);
    EXPECT_FALSE(pacing.on_silent(5));
}

}  // namespace
}  // namespace rtt::client
