// SPDX-License-Identifier: MIT
#include "icmp_extensions.h"

#include "bytes.h"
#include "codec.h"

extern "C" {
#include "protocol.h"
}

namespace rtt::client {
namespace {

constexpr std::size_t kIcmpHeader = 8;
constexpr std::size_t kLegacyOffset = 128;  // the original datagram's padded length (RFC 4884 §5)
constexpr std::uint8_t kVersion = 2;
constexpr std::uint8_t kMplsClass = 1;
constexpr std::uint8_t kIncomingStack = 1;

MplsStack parse_structure(std::span<const std::uint8_t> ext) {
    MplsStack stack;
    if (ext.size() < 4 || (ext[0] >> 4) != kVersion)
        return stack;
    // A zero checksum means none was computed; otherwise it must verify.
    static const IpAddress none;  // ICMPv4's checksum rule: no pseudo-header
    if (read16(ext, 2) != 0 && !transport_checksum_valid(RTT_IPPROTO_ICMP, none, none, ext))
        return stack;
    for (std::size_t at = 4; at + 4 <= ext.size();) {
        const std::size_t length = read16(ext, at);
        if (length < 4 || at + length > ext.size())
            break;
        if (ext[at + 2] == kMplsClass && ext[at + 3] == kIncomingStack)
            for (std::size_t entry = at + 4; entry + 4 <= at + length; entry += 4) {
                const std::uint32_t v = read32(ext, entry);
                stack.push_back({v >> 12, static_cast<std::uint8_t>((v >> 9) & 7), ((v >> 8) & 1) != 0,
                                 static_cast<std::uint8_t>(v & 0xFF)});
            }
        at += length;
    }
    return stack;
}

}  // namespace

std::span<const std::uint8_t> quoted_datagram(std::span<const std::uint8_t> icmp, Family family) {
    if (icmp.size() < kIcmpHeader)
        return {};
    const std::size_t words = family == Family::v4 ? icmp[5] : icmp[4];
    const std::size_t quoted = words * (family == Family::v4 ? 4 : 8);
    const auto rest = icmp.subspan(kIcmpHeader);
    return quoted > 0 && quoted < rest.size() ? rest.first(quoted) : rest;
}

MplsStack mpls_labels(std::span<const std::uint8_t> icmp, Family family) {
    if (icmp.size() < kIcmpHeader)
        return {};
    // The original datagram's length: 32-bit words in byte 5 (ICMP), 64-bit in byte 4 (ICMPv6).
    const std::size_t words = family == Family::v4 ? icmp[5] : icmp[4];
    const std::size_t quoted = words * (family == Family::v4 ? 4 : 8);
    if (quoted > 0)
        return kIcmpHeader + quoted < icmp.size() ? parse_structure(icmp.subspan(kIcmpHeader + quoted)) : MplsStack{};
    if (icmp.size() > kIcmpHeader + kLegacyOffset)
        return parse_structure(icmp.subspan(kIcmpHeader + kLegacyOffset));
    return {};
}

}  // namespace rtt::client
