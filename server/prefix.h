// SPDX-License-Identifier: MIT
// CIDR prefixes for the allow-list, in the program's 16-byte form (IPv4 as IPv4-mapped).
#pragma once

#include <optional>
#include <string_view>

#include "ip_address.h"

namespace rtt::server {

struct Prefix {
    IpAddress address;
    unsigned length = 0;  // of the 128-bit form: IPv4 /24 is 120
};

// "198.18.0.0/15", "2001:db8::/32" or a bare address (a host prefix).
std::optional<Prefix> parse_prefix(std::string_view text);

}  // namespace rtt::server
