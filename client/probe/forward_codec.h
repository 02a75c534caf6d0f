// SPDX-License-Identifier: MIT
// Forward probes toward the target, following the Paris rule (docs/multipath.md §3): every
// field a load balancer may hash is constant within a flow; the probe id rides only in fields
// that are quoted back but not hashed.
//
//   UDP   source port 33434, destination port = flow, checksum = id (two payload bytes balance it)
//   TCP   SYN, source port 33434, destination port = flow, sequence number = id << 16 (a RST
//         acknowledges the SYN's data too: the low 16 bits take any payload's length)
// With a fixed destination port (multipath --destination-port, as scamper's tcp-sport), UDP and
// TCP swap: the destination port stays fixed (a firewalled service such as 443 is reached) and
// the source port is the flow.
//   ICMP  echo request, identifier = per-run constant, checksum = flow (balanced), sequence = id
//   IPv4  IP ID = id as well, the guard used when a middlebox rewrote the quoted L4 header
// A payload (--payload) follows the headers; UDP and ICMP keep two balancing bytes after it.
// UDP probes to port 53 without one carry a DNS query (probe/dns_probe.h). --size pads.
//
// Every ICMP error quotes the probe as the router saw it: decode() compares that quote with
// the probe as sent (measurement/path_changes.h), so answers say what middleboxes rewrote.
#pragma once

#include "probe_codec.h"

namespace rtt::client {

inline constexpr std::uint16_t kForwardSourcePort = 33434;

// What --tos, --payload and --size make of forward probes.
struct ProbeShape {
    std::uint8_t traffic_class = 0;  // IPv4 TOS / IPv6 traffic class
    std::optional<Bytes> payload;    // as given; without one, UDP to port 53 carries a DNS query
    std::size_t size = 0;            // the whole packet, IP header included; 0: the smallest
    bool path_mtu = false;           // --mtu: probe sizes vary, so a quote's length is no change
};

// The smallest packet (IP header included) a probe of `protocol` can be with `shape`'s
// payload; `dns`: a UDP probe carrying the DNS query.
std::size_t minimum_probe_size(Protocol protocol, Family family, const ProbeShape& shape, bool dns);

// The sentence saying why probes of `shape` cannot be sent on a route of `mtu` bytes (too
// small for the probe's headers and payload, or too big for the route), or nullopt.
std::optional<std::string> probe_size_problem(Protocol protocol, Family family, const ProbeShape& shape, bool dns,
                                              std::optional<int> mtu);

class ForwardCodec final : public ProbeCodec {
public:
    // `fixed_destination_port`: UDP/TCP flows vary the source port, the destination stays this.
    ForwardCodec(Protocol protocol, const IpAddress& source, const IpAddress& target, std::uint16_t echo_identifier,
                 std::optional<std::uint16_t> fixed_destination_port = std::nullopt, ProbeShape shape = {});

    Family family() const override { return target_.family(); }
    const IpAddress& destination() const override { return target_; }
    const IpAddress& source() const override { return source_; }
    const IpAddress& end_of_path() const override { return target_; }
    OutgoingProbe encode(std::uint8_t ttl, std::uint16_t flow, std::uint16_t id) const override;
    OutgoingProbe encode_sized(std::uint8_t ttl, std::uint16_t flow, std::uint16_t id, std::size_t size) const override;
    std::optional<Answer> decode(const ReceivedPacket& packet) const override;
    std::span<const std::uint8_t> answer_protocols() const override;
    std::vector<sock_filter> receive_filter(std::uint8_t protocol) const override;

private:
    std::optional<Answer> decode_icmp(std::span<const std::uint8_t> icmp, const IpAddress& from) const;
    std::optional<Answer> decode_tcp(std::span<const std::uint8_t> tcp, const IpAddress& from) const;
    OutgoingProbe encode_shaped(std::uint8_t ttl, std::uint16_t flow, std::uint16_t id, const ProbeShape& shape) const;
    std::optional<Answer> decode_udp(std::span<const std::uint8_t> udp, const IpAddress& from) const;
    // What the quote in an ICMP error shows rewritten, against the probe (`flow`, `id`) as sent.
    std::vector<PathChange> quote_changes(std::span<const std::uint8_t> quote, std::uint16_t flow,
                                          std::uint16_t id) const;
    // Whether probes of `flow` go to the DNS port with a query.
    bool carries_dns(std::uint16_t flow) const;
    std::vector<sock_filter> icmp_filter() const;
    std::vector<sock_filter> tcp_filter() const;
    std::vector<sock_filter> udp_filter() const;

    Protocol protocol_;
    IpAddress source_;
    IpAddress target_;
    std::uint16_t echo_identifier_;
    std::optional<std::uint16_t> fixed_destination_port_;
    ProbeShape shape_;
    std::vector<std::uint8_t> answer_protocols_;
};

}  // namespace rtt::client
