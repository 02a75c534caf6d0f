// SPDX-License-Identifier: MIT
// Every default of a trace, in one place: the command line, the engines' settings, the text
// headings and the simulator all start from these values.
#pragma once

#include <cstdint>

namespace rtt::client::defaults {

inline constexpr int kFirstTtl = 1;
inline constexpr int kMaxTtl = 30;
inline constexpr int kAbortAfter = 3;  // consecutive silent hops (single path), TTLs (multipath)
inline constexpr double kTimeoutS = 2.0;
inline constexpr double kWaitHere = 3.0;  // -w MAX,HERE,NEAR as traceroute
inline constexpr double kWaitNear = 10.0;
inline constexpr double kDeadlineS = 600;  // the whole run
inline constexpr double kInterS = 0.0;

// Single path
inline constexpr std::uint16_t kFlow = 33434;  // UDP destination port, as traceroute
inline constexpr std::uint16_t kTcpFlow = 80;  // TCP destination port, as traceroute -T
inline constexpr int kProbesPerHop = 3;
inline constexpr int kSinglePathRetries = 1;
inline constexpr int kMaxInFlight = 16;
inline constexpr int kReportRounds = 10;  // -r without -c, as mtr
inline constexpr double kIntervalS = 1.0;
inline constexpr double kBannerWaitS = 3.0;  // --banner without SECONDS

// Multipath
inline constexpr double kConfidence = 0.05;
inline constexpr int kMultipathRetries = 3;
inline constexpr int kMinBurst = 20;
inline constexpr int kMaxBurst = 500;
inline constexpr int kMaxProbes = 10000;

}  // namespace rtt::client::defaults
