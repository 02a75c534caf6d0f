// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>

#include "prefix.h"

using rtt::server::parse_prefix;

TEST(Prefix, Ipv4IsMappedWith96MoreBits) {
    const auto p = parse_prefix("198.18.0.0/15");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->length, 111u);
    EXPECT_EQ(p->address.to_string(), "198.18.0.0");
    EXPECT_EQ(parse_prefix("192.0.2.1")->length, 128u);
}

TEST(Prefix, Ipv6) {
    EXPECT_EQ(parse_prefix("2001:db8::/32")->length, 32u);
}

TEST(Prefix, Rejects) {
    for (const char* bad : {"198.18.0.0/33", "2001:db8::/129", "198.18.0.0/", "nope/8", "198.18.0.0/8x"})
        EXPECT_FALSE(parse_prefix(bad)) << bad;
}
