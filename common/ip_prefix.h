// SPDX-License-Identifier: MIT
// An address prefix ("198.18.0.0/15", "2001:db8::/32") and the special-purpose ranges of
// RFC 6890's registries: the addresses that are not somewhere on the Internet. The looking
// glass refuses to trace them; a GeoIP lookup gives them no location.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "ip_address.h"

namespace rtt {

struct Prefix {
    IpAddress network;
    int length = 0;  // bits within its family (IPv4: 0-32)

    // "198.18.0.0/15", "2001:db8::/32", or an address alone (all its bits).
    static std::optional<Prefix> parse(std::string_view text);
    bool contains(const IpAddress& address) const;
    std::string to_string() const;
};

struct SpecialRange {
    Prefix prefix;
    const char* what;   // "private (RFC 1918)", "documentation", ...
    bool benchmarking;  // RFC 2544/5180 benchmarking: a lab's addresses (ours: 198.18.0.0/15)
    // No trace can go there: this host, this network, link-local, multicast, reserved or
    // discard-only (a campaign refuses such targets; private and lab ranges are traceable).
    bool unroutable;
};

std::span<const SpecialRange> special_ranges();
// The special-purpose range `address` is in, or null for an address on the Internet.
const SpecialRange* special_range(const IpAddress& address);

}  // namespace rtt
