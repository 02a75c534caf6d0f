// SPDX-License-Identifier: MIT
// APAR on hand-made path pairs with known aliases: point-to-point /30 and /31 links, a wider
// subnet corroborated by a shared neighbour, and a pair that must not merge because both
// addresses lie on one path.
#include <gtest/gtest.h>

#include "measurement/alias_resolution.h"

namespace rtt::client {
namespace {

AddressPath path(std::initializer_list<const char*> addresses) {
    AddressPath result;
    for (const char* a : addresses)
        result.push_back(*IpAddress::parse(a));
    return result;
}

std::vector<std::vector<IpAddress>> sets(std::initializer_list<std::initializer_list<const char*>> groups) {
    std::vector<std::vector<IpAddress>> result;
    for (const auto& group : groups)
        result.push_back(path(group));
    return result;
}

// client – r1 – r2 – r3 – server on /30s (198.18.N.1 / .2 as the lab numbers them): forward
// answers come from the interface facing the client, reverse answers from the one facing the
// server.
TEST(Apar, PointToPointThirtiesOnALine) {
    const auto forward = path({"198.18.1.1", "198.18.1.2", "198.18.2.2", "198.18.3.2", "198.18.4.2"});
    const auto back = path({"198.18.1.1", "198.18.2.1", "198.18.3.1", "198.18.4.1", "198.18.4.2"});
    EXPECT_EQ(resolve_aliases({forward}, {back}),
              sets({{"198.18.1.2", "198.18.2.1"}, {"198.18.2.2", "198.18.3.1"}, {"198.18.3.2", "198.18.4.1"}}));
}

TEST(Apar, PointToPointThirtyOnes) {
    // client .0 – .1 r1 .2 – .3 r2 .4 – .5 server
    const auto forward = path({"198.18.10.0", "198.18.10.1", "198.18.10.3", "198.18.10.5"});
    const auto back = path({"198.18.10.0", "198.18.10.2", "198.18.10.4", "198.18.10.5"});
    EXPECT_EQ(resolve_aliases({forward}, {back}),
              sets({{"198.18.10.1", "198.18.10.2"}, {"198.18.10.3", "198.18.10.4"}}));
}

TEST(Apar, NoMergeOfTwoAddressesOnOnePath) {
    // 198.18.2.2 and 198.18.2.1 share a /30, which would make 198.18.1.2 and 198.18.2.1 one
    // router; but another forward path visits both, so they are two routers.
    const auto forward = path({"198.18.1.1", "198.18.1.2", "198.18.2.2", "198.18.9.2"});
    const auto other = path({"198.18.1.1", "198.18.1.2", "198.18.2.1", "198.18.9.2"});
    const auto back = path({"198.18.1.1", "198.18.2.1", "198.18.9.2"});
    for (const auto& set : resolve_aliases({forward, other}, {back}))
        EXPECT_FALSE(std::find(set.begin(), set.end(), *IpAddress::parse("198.18.1.2")) != set.end() &&
                     std::find(set.begin(), set.end(), *IpAddress::parse("198.18.2.1")) != set.end());
}

// Only a shared neighbour ties X to B: A and B share a /29 (not point to point), the hop before
// A (X) and the hop before B (N) share no subnet, but the hop before X is N as well. The other
// /29 members, seen behind another neighbour (M), must not join X.
TEST(Apar, SharedNeighbourCorroboratesAWiderSubnet) {
    const auto forward = path({"198.18.60.1", "198.18.61.1", "198.18.62.1", "198.18.50.2", "198.18.63.1"});
    const auto back = path({"198.18.60.1", "198.18.61.1", "198.18.50.5", "198.18.63.1"});
    const auto back_via_m6 = path({"198.18.60.1", "198.18.64.1", "198.18.50.6", "198.18.63.1"});
    const auto back_via_m7 = path({"198.18.60.1", "198.18.64.1", "198.18.50.7", "198.18.63.1"});
    EXPECT_EQ(resolve_aliases({forward}, {back, back_via_m6, back_via_m7}), sets({{"198.18.50.5", "198.18.62.1"}}));
}

TEST(Apar, NothingForIpv6) {
    const auto forward = path({"2001:db8:1::1", "2001:db8:1::2", "2001:db8:2::2"});
    const auto back = path({"2001:db8:1::1", "2001:db8:2::1", "2001:db8:2::2"});
    EXPECT_TRUE(resolve_aliases({forward}, {back}).empty());
}

}  // namespace
}  // namespace rtt::client
