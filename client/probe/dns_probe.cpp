// SPDX-License-Identifier: MIT
#include "probe/dns_probe.h"

namespace rtt::client {
namespace {

constexpr std::size_t kHeaderLen = 12;
constexpr std::uint16_t kTypeNs = 2;
constexpr std::uint16_t kClassIn = 1;
constexpr std::uint16_t kTypeOpt = 41;
constexpr std::uint16_t kOptionPadding = 12;
constexpr std::size_t kOptionHeaderLen = 4;
constexpr std::uint8_t kQueryResponseBit = 0x80;

}  // namespace

Bytes dns_root_query(std::uint16_t id, std::size_t length) {
    Bytes query(kDnsQueryLen, 0);
    write16(query, 0, id);
    // Flags 0: a standard query, no recursion desired (a resolver answers from what it has).
    write16(query, 4, 1);   // one question
    write16(query, 10, 1);  // one additional record: OPT
    std::size_t at = kHeaderLen;
    query[at++] = 0;  // the root name
    write16(query, at, kTypeNs);
    write16(query, at + 2, kClassIn);
    at += 4;
    query[at++] = 0;  // OPT: the root name
    write16(query, at, kTypeOpt);
    at += 2;      // UDP payload size: kDnsBalanceOffset, written by the checksum balance
    at += 2 + 4;  // extended RCODE, version, flags: all zero
    // The Padding option takes whatever --size asks beyond the query itself.
    const std::size_t padding = length > kDnsQueryLen ? length - kDnsQueryLen : 0;
    write16(query, at, static_cast<std::uint16_t>(kOptionHeaderLen + padding));
    write16(query, at + 2, kOptionPadding);
    write16(query, at + 4, static_cast<std::uint16_t>(padding));
    query.resize(kDnsQueryLen + padding, 0);
    return query;
}

std::optional<std::uint16_t> dns_response_id(std::span<const std::uint8_t> dns) {
    if (dns.size() < kHeaderLen || !(dns[2] & kQueryResponseBit))
        return std::nullopt;
    return read16(dns, 0);
}

}  // namespace rtt::client
