// SPDX-License-Identifier: MIT
// The lab's address rule is written twice, once per language: sim/topology.cpp (the simulator,
// the lab checker) and tests/lab/netlab.sh (the namespaces). They must give the same addresses.
#include <cstdio>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "topology.h"

namespace rtt::sim {
namespace {

std::vector<std::string> run_lines(const std::string& command) {
    std::vector<std::string> lines;
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr)
        return lines;
    char buffer[256];
    while (fgets(buffer, sizeof buffer, pipe) != nullptr) {
        std::string line(buffer);
        if (!line.empty() && line.back() == '\n')
            line.pop_back();
        lines.push_back(line);
    }
    pclose(pipe);
    return lines;
}

TEST(LabAddressRule, NetlabAndTheSimulatorGiveTheSameAddresses) {
    constexpr int kLinks = 255;  // all the lab's 198.18.N.0/24 hold
    Topology topology;
    topology.add_node("a", false);
    topology.add_node("b", false);
    std::vector<std::string> expected;
    for (int i = 1; i <= kLinks; ++i) {
        const int link = topology.add_link("a", "b");
        for (const std::string end : {"a", "b"})
            for (const Family family : {Family::v4, Family::v6})
                expected.push_back(topology.address(end, link, family).to_string());
    }
    const std::string netlab = std::string(RTT_TOPOLOGY_DIR) + "/../netlab.sh";
    const auto found = run_lines("bash -c 'source \"" + netlab + "\" && for n in $(seq " + std::to_string(kLinks) +
                                 "); do for end in 1 2; do lab_link_address $n $end 4; lab_link_address $n $end 6; "
                                 "done; done'");
    EXPECT_EQ(found, expected);
}

}  // namespace
}  // namespace rtt::sim
