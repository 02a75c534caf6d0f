// SPDX-License-Identifier: MIT
#include "ip_prefix.h"

#include <algorithm>
#include <charconv>
#include <vector>

namespace rtt {
namespace {

int family_bits(const IpAddress& address) {
    return address.is_v4() ? 32 : 128;
}

struct RangeText {
    const char* prefix;
    const char* what;
    bool unroutable = false;  // no trace can go there (see SpecialRange)
};

// RFC 6890's special-purpose registries, the ranges that are not somewhere on the Internet.
constexpr RangeText kSpecialRanges[] = {
    {"0.0.0.0/8", "\"this network\"", true},
    {"10.0.0.0/8", "private (RFC 1918)"},
    {"100.64.0.0/10", "shared address space (carrier-grade NAT)"},
    {"127.0.0.0/8", "loopback", true},
    {"169.254.0.0/16", "link-local", true},
    {"172.16.0.0/12", "private (RFC 1918)"},
    {"192.0.0.0/24", "IETF protocol assignments"},
    {"192.0.2.0/24", "documentation"},
    {"192.168.0.0/16", "private (RFC 1918)"},
    {"198.18.0.0/15", "benchmarking (the lab's)"},
    {"198.51.100.0/24", "documentation"},
    {"203.0.113.0/24", "documentation"},
    {"224.0.0.0/4", "multicast", true},
    {"240.0.0.0/4", "reserved", true},
    {"::/128", "unspecified", true},
    {"::1/128", "loopback", true},
    {"100::/64", "discard-only", true},
    {"2001:2::/48", "benchmarking"},
    {"2001:db8::/32", "documentation"},
    {"fc00::/7", "unique local (private)"},
    {"fe80::/10", "link-local", true},
    {"ff00::/8", "multicast", true},
};

}  // namespace

std::optional<Prefix> Prefix::parse(std::string_view text) {
    const auto slash = text.find('/');
    const auto address = IpAddress::parse(text.substr(0, slash));
    if (!address)
        return std::nullopt;
    Prefix prefix{*address, family_bits(*address)};
    if (slash != std::string_view::npos) {
        const std::string_view bits = text.substr(slash + 1);
        int length = -1;
        const auto [end, error] = std::from_chars(bits.data(), bits.data() + bits.size(), length);
        if (error != std::errc() || end != bits.data() + bits.size() || length < 0 || length > family_bits(*address))
            return std::nullopt;
        prefix.length = length;
    }
    return prefix;
}

bool Prefix::contains(const IpAddress& address) const {
    if (address.is_v4() != network.is_v4())
        return false;
    // IPv4 sits in the last 4 of the 16 bytes (IPv4-mapped), after 96 equal bits.
    const int bits = length + (network.is_v4() ? 96 : 0);
    const auto& a = address.wire();
    const auto& n = network.wire();
    const int whole = bits / 8;
    if (!std::equal(a.begin(), a.begin() + whole, n.begin()))
        return false;
    const int rest = bits % 8;
    if (rest == 0)
        return true;
    const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
    return (a[static_cast<std::size_t>(whole)] & mask) == (n[static_cast<std::size_t>(whole)] & mask);
}

std::string Prefix::to_string() const {
    return network.to_string() + "/" + std::to_string(length);
}

std::span<const SpecialRange> special_ranges() {
    static const std::vector<SpecialRange> ranges = [] {
        std::vector<SpecialRange> parsed;
        for (const auto& range : kSpecialRanges)
            parsed.push_back({*Prefix::parse(range.prefix), range.what,
                              std::string_view(range.what).starts_with("benchmarking"), range.unroutable});
        return parsed;
    }();
    return ranges;
}

const SpecialRange* special_range(const IpAddress& address) {
    for (const auto& range : special_ranges())
        if (range.prefix.contains(address))
            return &range;
    return nullptr;
}

}  // namespace rtt
