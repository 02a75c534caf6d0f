// SPDX-License-Identifier: MIT
// Forward probes toward the target, following the Paris rule (docs/multipath.md §3): every
// field a load balancer may hash is constant within a flow; the probe id rides only in fields
// that are quoted back but not hashed.
//
//   UDP   source port 33434, destination port = flow, checksum = id (two payload bytes balance it)
//   TCP   SYN, source port 33434, destination port = flow, sequence number = id
// With a fixed destination port (multipath --destination-port, as scamper's tcp-sport), UDP and
// TCP swap: the destination port stays fixed (a firewalled service such as 443 is reached) and
// the source port is the flow.
//   ICMP  echo request, identifier = per-run constant, checksum = flow (balanced), sequence = id
//   IPv4  IP ID = id as well, the guard used when a middlebox rewrote the quoted L4 header
#pragma once

#include "probe_codec.h"

namespace rtt::client {

inline constexpr std::uint16_t kForwardSourcePort = 33434;

class ForwardCodec final : public ProbeCodec {
public:
    // `fixed_destination_port`: UDP/TCP flows vary the source port, the destination stays this.
    ForwardCodec(Protocol protocol, const IpAddress& source, const IpAddress& target, std::uint16_t echo_identifier,
                 std::optional<std::uint16_t> fixed_destination_port = std::nullopt);

    Family family() const override { return target_.family(); }
    const IpAddress& destination() const override { return target_; }
    const IpAddress& source() const override { return source_; }
    const IpAddress& end_of_path() const override { return target_; }
    OutgoingProbe encode(std::uint8_t ttl, std::uint16_t flow, std::uint16_t id) const override;
    std::optional<Answer> decode(const ReceivedPacket& packet) const override;
    std::span<const std::uint8_t> answer_protocols() const override;
    std::vector<sock_filter> receive_filter(std::uint8_t protocol) const override;

private:
    std::optional<Answer> decode_icmp(std::span<const std::uint8_t> icmp, const IpAddress& from) const;
    std::optional<Answer> decode_tcp(std::span<const std::uint8_t> tcp, const IpAddress& from) const;
    std::vector<sock_filter> icmp_filter() const;
    std::vector<sock_filter> tcp_filter() const;

    Protocol protocol_;
    IpAddress source_;
    IpAddress target_;
    std::uint16_t echo_identifier_;
    std::optional<std::uint16_t> fixed_destination_port_;
    std::vector<std::uint8_t> answer_protocols_;
};

}  // namespace rtt::client
