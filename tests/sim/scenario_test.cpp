// SPDX-License-Identifier: MIT
// Every scenario file in tests/sim/scenarios runs as a test of its own (named after the file),
// with each of its seeds; and the reader refuses what it does not understand, naming the line.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "scenario.h"

namespace rtt::sim {
namespace {

std::vector<std::string> scenario_files() {
    std::vector<std::string> files;
    for (const auto& entry : std::filesystem::directory_iterator(RTT_SCENARIO_DIR))
        if (entry.path().extension() == ".scenario")
            files.push_back(entry.path().string());
    std::sort(files.begin(), files.end());
    return files;
}

std::string text_of(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

class ScenarioFile : public ::testing::TestWithParam<std::string> {};

TEST_P(ScenarioFile, HoldsForEverySeed) {
    const std::string name = std::filesystem::path(GetParam()).stem().string();
    const Scenario scenario = parse_scenario(name, text_of(GetParam()), RTT_TOPOLOGY_DIR);
    for (int seed = 1; seed <= scenario.seeds; ++seed)
        for (const auto& failure : run_scenario(scenario, static_cast<std::uint64_t>(seed)))
            ADD_FAILURE() << name << ", seed " << seed << ": " << failure;
}

INSTANTIATE_TEST_SUITE_P(Scenarios, ScenarioFile, ::testing::ValuesIn(scenario_files()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                             std::string name = std::filesystem::path(info.param).stem().string();
                             std::replace_if(
                                 name.begin(), name.end(), [](char c) { return !std::isalnum(c); }, '_');
                             return name;
                         });

std::string refusal(const std::string& text) {
    try {
        parse_scenario("bad", text, RTT_TOPOLOGY_DIR);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "(accepted)";
}

TEST(ScenarioReader, RefusesWhatItDoesNotUnderstandNamingTheLine) {
    const std::string head = "topology line\ntrace forward udp singlepath 4\n";
    EXPECT_EQ(refusal("trace forward udp singlepath 4\n"), "bad line 1: the first statement must be `topology NAME`");
    EXPECT_EQ(refusal(head + "node r9 silent\nexpect forward truth\n").find("bad line 3:"), 0u);
    EXPECT_EQ(refusal(head + "node r2 sings\nexpect forward truth\n"), "bad line 3: unknown node behaviour 'sings'");
    EXPECT_EQ(refusal(head + "node r2 loss lots\nexpect forward truth\n"), "bad line 3: loss 'lots' is not a number");
    EXPECT_EQ(refusal(head + "expect sideways truth\n").find("bad line 3: expect needs"), 0u);
    EXPECT_EQ(refusal(head + "expect forward end\n"), "bad line 3: expect forward end: wrong number of values");
    EXPECT_EQ(refusal(head + "teleport r1\nexpect forward truth\n"), "bad line 3: unknown statement 'teleport'");
    EXPECT_EQ(refusal(head), "bad: no `expect` statement: a scenario must check something");
    EXPECT_EQ(refusal("topology line\nexpect forward truth\n"), "bad: no `trace` statement");
}

// A scenario whose expectation is wrong must fail: the runner is not a test that cannot fail.
TEST(ScenarioReader, AWrongExpectationFails) {
    const Scenario wrong = parse_scenario("wrong",
                                          "topology line\nnode r2 silent\ntrace forward udp singlepath 4\n"
                                          "expect forward silent-hop 3\nexpect forward end no_reply\n",
                                          RTT_TOPOLOGY_DIR);
    const auto failures = run_scenario(wrong, 1);
    ASSERT_EQ(failures.size(), 2u);
    EXPECT_EQ(failures[0], "forward: nothing silent at TTL 3");
    EXPECT_EQ(failures[1], "forward: ended reached, expected no_reply");
}

}  // namespace
}  // namespace rtt::sim
