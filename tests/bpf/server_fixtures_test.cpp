// SPDX-License-Identifier: MIT
// Every stateless fixture of server_fixtures.cpp: the verdict, and the frame out byte for byte.
#include <gtest/gtest.h>

#include "hex.h"
#include "server_fixtures.h"

using namespace rtt;
using namespace rtt::test;

namespace {

class ServerFixtureTest : public ::testing::TestWithParam<ServerFixture> {};

TEST_P(ServerFixtureTest, VerdictAndFrameOut) {
    RTT_SKIP_WITHOUT_BPF();
    server::ServerConfig config;
    config.interface = "lo";
    ServerUnderTest s(config);
    const ServerFixture& f = GetParam();
    const auto r = s.run(f.frame);
    EXPECT_EQ(r.verdict, f.verdict) << f.name;
    if (f.verdict != kDrop) {
        EXPECT_EQ(to_hex(r.frame), to_hex(f.output)) << f.name;
    }
    EXPECT_EQ(s.session_count(), 0u) << f.name;
}

std::string fixture_name(const ::testing::TestParamInfo<ServerFixture>& info) {
    std::string name;
    for (const char c : info.param.name)
        name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    return name;
}

INSTANTIATE_TEST_SUITE_P(Stateless, ServerFixtureTest, ::testing::ValuesIn(stateless_server_fixtures()), fixture_name);

}  // namespace
