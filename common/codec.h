// SPDX-License-Identifier: MIT
// C++ encoder/decoder of the reverse traceroute wire protocol (docs/protocol.md):
// requests, responses, the probes a server builds, and matching of answers to probes.
// The client reuses it for reverse traces; the tests use it to build and check packets.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "bytes.h"
#include "ip_address.h"

namespace rtt {

// RFC 1071 sum of big-endian 16-bit words (an odd last byte is padded), unfolded.
std::uint64_t ones_sum(std::span<const std::uint8_t> bytes, std::uint64_t sum = 0);
// The pseudo-header sum of UDP/TCP/ICMPv6 (RFC 768/793/8200).
std::uint64_t pseudo_header_sum(const IpAddress& source, const IpAddress& destination, std::uint8_t protocol,
                                std::uint32_t length);
// Checksum field value for an L4 message (its checksum field must be zero): ICMPv4 has no
// pseudo-header, everything else has one.
std::uint16_t transport_checksum(std::uint8_t protocol, const IpAddress& source, const IpAddress& destination,
                                 std::span<const std::uint8_t> message);
// True when the message (checksum field included) verifies.
bool transport_checksum_valid(std::uint8_t protocol, const IpAddress& source, const IpAddress& destination,
                              std::span<const std::uint8_t> message);

// `message` with its checksum field (at offset `at`) set so that it verifies.
Bytes with_checksum(Bytes message, std::size_t at, std::uint8_t protocol, const IpAddress& source,
                    const IpAddress& destination);

// Sets the last two bytes of `message` so that its checksum verifies while the checksum field
// keeps the value already written there (the id or flow rides in the checksum field, §3).
void balance_checksum(Bytes& message, std::uint8_t protocol, const IpAddress& source, const IpAddress& destination);
// The same with the two balancing bytes at offset `at` (a payload that must end as given).
void balance_checksum_at(Bytes& message, std::size_t at, std::uint8_t protocol, const IpAddress& source,
                         const IpAddress& destination);

std::uint8_t icmp_protocol(Family family);
std::uint8_t echo_request_type(Family family);
std::uint8_t echo_reply_type(Family family);

// An IP packet's header fields and payload.
struct IpView {
    Family family;
    std::uint8_t protocol;
    IpAddress source;
    IpAddress destination;
    std::uint8_t ttl;
    std::span<const std::uint8_t> payload;
};

// Parses the IP header as the server does: IPv4 with options, IPv6 without extension headers
// (probes never carry any). `quoted` accepts a payload cut short by an ICMP quote.
std::optional<IpView> parse_ip(std::span<const std::uint8_t> packet, bool quoted);

struct Request {
    std::uint16_t id = 0;
    std::uint8_t ttl = 0;
    std::uint8_t protocol = 0;  // 0 = server default (ICMP)
    std::uint16_t flow = 0;     // 0 = server default
};

// The ICMP message of a request from `client` to `server`.
// The request's ICMP message: 12 bytes, or padded with zeros to `length` bytes if that is
// more (the checksum covers the padding, which leaves it unchanged).
Bytes encode_request(const Request& request, const IpAddress& client, const IpAddress& server, std::size_t length = 0);
// Reads a request's ICMP message; nullopt unless it is an echo request with code 1, 12+ bytes.
std::optional<Request> decode_request(std::span<const std::uint8_t> icmp, Family family);

struct Response {
    std::uint16_t id = 0;
    std::uint8_t state = 0;
    std::optional<IpAddress> hop;   // success only
    std::uint64_t timespan_ns = 0;  // success only
    std::uint16_t value = 0;        // errors: bytes 10-11 (state 4: the object's Class-Num, C-Type)
};

// The ICMP message of a response from `server` to `client`. The timespan is written as
// deployed servers do: 32 bits at byte 28 (saturating), zero at 32.
Bytes encode_response(const Response& response, const IpAddress& server, const IpAddress& client);
// Reads a response's ICMP message; nullopt when it is not an echo reply with code 1 or too
// short for its state (a plain ping answer means the target runs no server).
std::optional<Response> decode_response(std::span<const std::uint8_t> icmp, Family family);

// What the server needs to build a probe (§3).
struct ProbeSpec {
    std::uint8_t protocol = 0;  // as requested: 0, ICMP of the family, TCP or UDP
    IpAddress source;           // the server address the request was sent to
    IpAddress destination;      // the requester
    std::uint8_t ttl = 0;
    std::uint16_t id = 0;
    std::uint16_t flow = 0;
    std::array<std::uint8_t, 6> random{};  // payload bytes of UDP and ICMP probes
    std::uint8_t tos = 0;                  // IPv4 only; IPv6 probes carry traffic class 0
    bool dont_fragment = false;            // IPv4 only
};

// The probe's protocol after defaults, or nullopt when the family does not support it (state 2).
std::optional<std::uint8_t> probe_protocol(std::uint8_t requested, Family family);
// The probe's L4 destination port / ICMP checksum after defaults.
std::uint16_t probe_flow(std::uint8_t protocol, std::uint16_t flow);
// The whole IP packet of the probe; nullopt when its protocol is unsupported (state 2).
std::optional<Bytes> build_probe(const ProbeSpec& spec);

// An IP header (IHL 5 / no extension headers) around an L4 message; `tos` is the IPv4 TOS or
// the IPv6 traffic class.
Bytes wrap_in_ip(std::uint8_t protocol, const IpAddress& source, const IpAddress& destination, std::uint8_t ttl,
                 std::span<const std::uint8_t> payload, std::uint8_t tos = 0, bool dont_fragment = false,
                 std::uint16_t ip_id = 0);

// A pending probe as the server keys it (§4).
struct SessionKey {
    IpAddress requester;
    std::uint16_t id = 0;
    auto operator<=>(const SessionKey&) const = default;
};

// The session a packet arriving at the server answers (§4), if it is an answer to a probe:
// an ICMP error quoting a probe, a direct TCP SYN-ACK/RST, or an echo reply with the marker.
std::optional<SessionKey> match_answer(std::span<const std::uint8_t> ip_packet);

}  // namespace rtt
