// SPDX-License-Identifier: MIT
// Parses the session timeout: a bare number is nanoseconds (the Augsburg server's -t), or a
// number with a unit: ns, us, ms, s, m.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rtt::server {

std::optional<std::uint64_t> parse_duration_ns(std::string_view text);

// The session timeouts the server accepts: shorter than a millisecond no probe can be answered
// (a plain -t 5 is 5 ns), and a session held for more than ten minutes only holds the table.
constexpr std::uint64_t kLeastSessionTimeoutNs = 1'000'000;
constexpr std::uint64_t kMostSessionTimeoutNs = 600'000'000'000;

// A duration for people: "5s", "1.5s", "250ms", "40us", "7ns".
std::string duration_text(std::uint64_t ns);

}  // namespace rtt::server
