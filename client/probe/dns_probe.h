// SPDX-License-Identifier: MIT
// The DNS query a UDP probe to port 53 carries, so that a name server at the target answers it
// and the trace ends on the service itself, not on an ICMP error (as potraceroute does): the
// root's NS records, no recursion asked, with an EDNS(0) OPT record whose UDP size field is
// free for the checksum balance (the probe id rides in the UDP checksum, docs/multipath.md §3)
// and whose Padding option (RFC 7830) takes --size. The DNS ID is the probe id, so an answer
// names the probe it answers.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "bytes.h"

namespace rtt::client {

inline constexpr std::uint16_t kDnsPort = 53;
// The smallest query (header, question, OPT record with an empty Padding option).
inline constexpr std::size_t kDnsQueryLen = 12 + 5 + 11 + 4;
// Where in the query the two balancing bytes go (the OPT record's UDP payload size).
inline constexpr std::size_t kDnsBalanceOffset = 12 + 5 + 3;

// The query for probe `id`, `length` bytes long (at least kDnsQueryLen; beyond it, padding).
Bytes dns_root_query(std::uint16_t id, std::size_t length);

// The id of a DNS response (QR set, any response code), nullopt for anything else.
std::optional<std::uint16_t> dns_response_id(std::span<const std::uint8_t> dns);

}  // namespace rtt::client
