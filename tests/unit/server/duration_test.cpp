// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>

#include "duration.h"

using rtt::server::parse_duration_ns;

TEST(Duration, BareNumberIsNanosecondsAsInAugsburg) {
    EXPECT_EQ(parse_duration_ns("5000000000"), 5'000'000'000u);
}

TEST(Duration, Units) {
    EXPECT_EQ(parse_duration_ns("5s"), 5'000'000'000u);
    EXPECT_EQ(parse_duration_ns("500ms"), 500'000'000u);
    EXPECT_EQ(parse_duration_ns("250us"), 250'000u);
    EXPECT_EQ(parse_duration_ns("2m"), 120'000'000'000u);
    EXPECT_EQ(parse_duration_ns("7ns"), 7u);
}

TEST(Duration, Rejects) {
    for (const char* bad : {"", "abc", "5 s", "5h", "-1", "1.5s", "99999999999999999999", "18446744073709551615s"})
        EXPECT_FALSE(parse_duration_ns(bad)) << bad;
}

// Issue 26: the start line said "timeout 0 ms" for -t 5 (5 ns).
TEST(Duration, TextForPeople) {
    EXPECT_EQ(rtt::server::duration_text(5'000'000'000u), "5s");
    EXPECT_EQ(rtt::server::duration_text(1'500'000'000u), "1.5s");
    EXPECT_EQ(rtt::server::duration_text(250'000'000u), "250ms");
    EXPECT_EQ(rtt::server::duration_text(40'000u), "40us");
    EXPECT_EQ(rtt::server::duration_text(5u), "5ns");
}
