// SPDX-License-Identifier: MIT
// What a probe's answer says, in the terms the measurement keeps: the probe protocol, the kind
// of answer and who sent it. The client's codecs produce these; the measurement model, its JSON
// and its drawings read them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ip_address.h"
#include "measurement/path_changes.h"

namespace rtt {

enum class Protocol { udp, tcp, icmp };

std::string protocol_name(Protocol protocol);

enum class AnswerKind {
    time_exceeded,   // a router on the way
    unreachable,     // ICMP destination unreachable; `icmp_code` says why
    echo_reply,      // ICMP probe answered by the destination
    tcp_syn_ack,     // TCP port open
    tcp_reset,       // TCP port closed
    dns_reply,       // UDP probe to port 53 answered by a name server at the destination
    packet_too_big,  // ICMPv6 Packet Too Big (IPv4 says it as unreachable, code 4); `mtu` is the next hop's
    server_hop,      // reverse: the server reports the router that answered its probe
    server_refused,  // reverse: the server answered with an error state
    not_a_server,    // reverse: the target answered the request like a plain ping
};

// One entry of an MPLS label stack that a router quoted in its time-exceeded message
// (RFC 4950, in an RFC 4884 extension): the packet was label-switched there.
struct MplsEntry {
    std::uint32_t label = 0;  // 20 bits
    std::uint8_t tc = 0;      // traffic class (the former EXP bits)
    bool bottom = false;      // S: the last entry of the stack
    std::uint8_t ttl = 0;
    auto operator<=>(const MplsEntry&) const = default;
};
using MplsStack = std::vector<MplsEntry>;

// "MPLS L=24000 TC=0 S=1 TTL=1", entries joined by ", "; empty for an empty stack.
std::string mpls_text(const MplsStack& stack);

// One packet recognised as the answer to the probe `probe_id`.
struct Answer {
    std::uint16_t probe_id = 0;
    AnswerKind kind = AnswerKind::time_exceeded;
    IpAddress responder;
    std::uint8_t icmp_code = 0;
    std::uint8_t server_state = 0;        // server_refused only
    std::optional<std::uint64_t> rtt_ns;  // set when the answer carries its own RTT (reverse)
    std::optional<std::uint16_t> flow;    // the flow the answer says it belongs to, if it says
    MplsStack mpls;                       // forward time-exceeded only, when the router quoted one
    std::vector<PathChange> changes;      // forward ICMP errors: the quote against the probe as sent
    std::uint32_t mtu = 0;                // packet_too_big, and unreachable code 4 (IPv4): the MTU it reports
};

// The annotation traceroute prints for an unreachable code (empty for the destination's own
// "port unreachable", which is the normal end of a UDP trace).
std::string unreachable_annotation(Family family, std::uint8_t code);
// The same in words, e.g. "network unreachable (!N)".
std::string unreachable_reason(Family family, std::uint8_t code);

// True when this answer ends the path (destination reached or declared unreachable).
bool ends_path(const Answer& answer, const IpAddress& end_of_path);

}  // namespace rtt
