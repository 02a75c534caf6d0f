// SPDX-License-Identifier: MIT
// ICMP extensions (RFC 4884) in time-exceeded messages: the MPLS label stack object (RFC 4950)
// that label-switching routers append, so a hop inside an MPLS tunnel shows its labels.
#pragma once

#include <span>

#include "ip_address.h"
#include "measurement/answer.h"

namespace rtt::client {

// The MPLS label stack an ICMP time-exceeded message (`icmp`: from its type byte on) carries,
// or an empty stack. Reads the RFC 4884 length field, and the extension at the fixed offset 128
// that routers older than RFC 4884 use; a structure whose checksum does not verify is ignored.
MplsStack mpls_labels(std::span<const std::uint8_t> icmp, Family family);

// The original datagram an ICMP error quotes: everything after the ICMP header, or only the
// length the RFC 4884 field gives when it is set (the extension structure follows it).
std::span<const std::uint8_t> quoted_datagram(std::span<const std::uint8_t> icmp, Family family);

}  // namespace rtt::client
