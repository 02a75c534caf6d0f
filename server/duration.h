// SPDX-License-Identifier: MIT
// Parses the session timeout: a bare number is nanoseconds (the Augsburg server's -t), or a
// number with a unit: ns, us, ms, s, m.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace rtt::server {

std::optional<std::uint64_t> parse_duration_ns(std::string_view text);

}  // namespace rtt::server
