// SPDX-License-Identifier: MIT
#include "forward_codec.h"

#include <fmt/format.h>

#include "codec.h"
#include "filter_helpers.h"
#include "icmp_extensions.h"
#include "probe/dns_probe.h"

extern "C" {
#include "protocol.h"
}

namespace rtt::client {
namespace {

constexpr std::size_t kUdpHeaderLen = 8;
constexpr std::size_t kTcpProbeHeaderLen = 24;  // header + MSS option
constexpr std::size_t kIcmpHeaderLen = 8;
constexpr std::size_t kBalanceLen = 2;
constexpr std::uint16_t kTcpWindow = 1024;
constexpr std::uint16_t kTcpMss = 1460;

bool is_time_exceeded(Family family, std::uint8_t type, std::uint8_t code) {
    // Code 1 (fragment reassembly) is not about our TTL.
    return code == 0 && type == (family == Family::v4 ? RTT_ICMP4_TIME_EXCEEDED : RTT_ICMP6_TIME_EXCEEDED);
}

bool is_unreachable(Family family, std::uint8_t type) {
    return type == (family == Family::v4 ? RTT_ICMP4_DEST_UNREACH : RTT_ICMP6_DEST_UNREACH);
}

std::size_t ip_header_length(Family family) {
    return family == Family::v4 ? 20 : 40;
}

std::size_t payload_length(const ProbeShape& shape) {
    return shape.payload ? shape.payload->size() : 0;
}

// A UDP or ICMP message of `length` bytes or more: `header` bytes, the payload, zeros, and the
// two balancing bytes at an even offset (one word of the checksum sum) as late as they fit
// (an odd length leaves one zero byte after them).
// Returns the balance's offset.
std::size_t lay_out_balanced(Bytes& m, std::size_t header, const ProbeShape& shape, std::size_t length) {
    const std::size_t used = header + payload_length(shape);
    std::size_t balance = (length >= kBalanceLen ? length - kBalanceLen : 0) & ~std::size_t{1};
    if (balance < used)
        balance = used + used % 2;
    m.assign(std::max(length, balance + kBalanceLen), 0);
    if (shape.payload)
        std::copy(shape.payload->begin(), shape.payload->end(), m.begin() + static_cast<std::ptrdiff_t>(header));
    return balance;
}

}  // namespace

std::size_t minimum_probe_size(Protocol protocol, Family family, const ProbeShape& shape, bool dns) {
    const std::size_t payload = payload_length(shape);
    switch (protocol) {
    case Protocol::udp:
        if (dns)
            return ip_header_length(family) + kUdpHeaderLen + kDnsQueryLen;
        return ip_header_length(family) + kUdpHeaderLen + payload + payload % 2 + kBalanceLen;
    case Protocol::tcp: return ip_header_length(family) + kTcpProbeHeaderLen + payload;
    case Protocol::icmp: return ip_header_length(family) + kIcmpHeaderLen + payload + payload % 2 + kBalanceLen;
    }
    return 0;
}

std::optional<std::string> probe_size_problem(Protocol protocol, Family family, const ProbeShape& shape, bool dns,
                                              std::optional<int> mtu) {
    const std::size_t least = minimum_probe_size(protocol, family, shape, dns);
    if (shape.size > 0 && shape.size < least)
        return fmt::format("--size {} is smaller than these probes' headers{}: give --size {} or more", shape.size,
                           shape.payload ? " and payload" : (dns ? " and DNS query" : ""), least);
    const std::size_t size = std::max(least, shape.size);
    if (mtu && size > static_cast<std::size_t>(*mtu))
        return fmt::format("probes of {} bytes do not fit the route's MTU of {} bytes: give --size {} or less{}", size,
                           *mtu, *mtu, shape.payload ? " with a shorter --payload" : "");
    return std::nullopt;
}

ForwardCodec::ForwardCodec(Protocol protocol, const IpAddress& source, const IpAddress& target,
                           std::uint16_t echo_identifier, std::optional<std::uint16_t> fixed_destination_port,
                           ProbeShape shape)
    : protocol_(protocol),
      source_(source),
      target_(target),
      echo_identifier_(echo_identifier),
      fixed_destination_port_(protocol == Protocol::icmp ? std::nullopt : fixed_destination_port),
      shape_(std::move(shape)) {
    answer_protocols_.push_back(icmp_protocol(family()));
    if (protocol_ == Protocol::tcp)
        answer_protocols_.push_back(RTT_IPPROTO_TCP);
    // A name server at the target answers the query: its answer ends the trace.
    if (protocol_ == Protocol::udp && !shape_.payload)
        answer_protocols_.push_back(RTT_IPPROTO_UDP);
}

bool ForwardCodec::carries_dns(std::uint16_t flow) const {
    if (protocol_ != Protocol::udp || shape_.payload)
        return false;
    return (fixed_destination_port_ ? *fixed_destination_port_ : flow) == kDnsPort;
}

std::span<const std::uint8_t> ForwardCodec::answer_protocols() const {
    return answer_protocols_;
}

OutgoingProbe ForwardCodec::encode(std::uint8_t ttl, std::uint16_t flow, std::uint16_t id) const {
    return encode_shaped(ttl, flow, id, shape_);
}

OutgoingProbe ForwardCodec::encode_sized(std::uint8_t ttl, std::uint16_t flow, std::uint16_t id,
                                         std::size_t size) const {
    ProbeShape shape = shape_;
    shape.size = size;
    OutgoingProbe probe = encode_shaped(ttl, flow, id, shape);
    probe.dont_fragment = true;
    return probe;
}

OutgoingProbe ForwardCodec::encode_shaped(std::uint8_t ttl, std::uint16_t flow, std::uint16_t id,
                                          const ProbeShape& shape) const {
    OutgoingProbe probe;
    probe.ip_protocol = ip_protocol(protocol_, family());
    probe.ip_ttl = ttl;
    probe.ip_id = id;
    probe.traffic_class = shape.traffic_class;
    Bytes& m = probe.message;
    const std::size_t ip_header = ip_header_length(family());
    const std::size_t length = shape.size > ip_header ? shape.size - ip_header : 0;  // of the L4 message
    switch (protocol_) {
    case Protocol::udp: {
        std::size_t balance = 0;
        if (carries_dns(flow)) {
            m.assign(kUdpHeaderLen, 0);
            append(m, dns_root_query(id, length > kUdpHeaderLen ? length - kUdpHeaderLen : 0));
            balance = kUdpHeaderLen + kDnsBalanceOffset;
        } else {
            balance = lay_out_balanced(m, kUdpHeaderLen, shape, length);
        }
        write16(m, 0, fixed_destination_port_ ? flow : kForwardSourcePort);
        write16(m, 2, fixed_destination_port_ ? *fixed_destination_port_ : flow);
        write16(m, 4, static_cast<std::uint16_t>(m.size()));
        write16(m, 6, id);
        balance_checksum_at(m, balance, probe.ip_protocol, source_, target_);
        break;
    }
    case Protocol::tcp:
        m.assign(std::max(kTcpProbeHeaderLen + payload_length(shape), length), 0);
        write16(m, 0, fixed_destination_port_ ? flow : kForwardSourcePort);
        write16(m, 2, fixed_destination_port_ ? *fixed_destination_port_ : flow);
        write32(m, 4, static_cast<std::uint32_t>(id) << 16);
        m[12] = 6 << 4;  // data offset: 6 words
        m[13] = RTT_TCP_FLAG_SYN;
        write16(m, 14, kTcpWindow);
        m[20] = 2;  // MSS option: kind, length, value
        m[21] = 4;
        write16(m, 22, kTcpMss);
        if (shape.payload)
            std::copy(shape.payload->begin(), shape.payload->end(), m.begin() + kTcpProbeHeaderLen);
        write16(m, 16, transport_checksum(probe.ip_protocol, source_, target_, m));
        break;
    case Protocol::icmp: {
        const std::size_t balance = lay_out_balanced(m, kIcmpHeaderLen, shape, length);
        m[0] = echo_request_type(family());
        write16(m, 2, flow);
        write16(m, 4, echo_identifier_);
        write16(m, 6, id);
        balance_checksum_at(m, balance, probe.ip_protocol, source_, target_);
        break;
    }
    }
    return probe;
}

std::optional<Answer> ForwardCodec::decode(const ReceivedPacket& packet) const {
    std::span<const std::uint8_t> l4 = packet.bytes;
    IpAddress from = packet.source;
    if (family() == Family::v4) {
        const auto ip = parse_ip(packet.bytes, false);
        if (!ip || ip->family != Family::v4 || ip->protocol != packet.socket_protocol)
            return std::nullopt;
        l4 = ip->payload;
        from = ip->source;
    }
    if (packet.socket_protocol == RTT_IPPROTO_TCP)
        return decode_tcp(l4, from);
    if (packet.socket_protocol == RTT_IPPROTO_UDP)
        return decode_udp(l4, from);
    if (packet.socket_protocol == icmp_protocol(family()))
        return decode_icmp(l4, from);
    return std::nullopt;
}

std::optional<Answer> ForwardCodec::decode_icmp(std::span<const std::uint8_t> icmp, const IpAddress& from) const {
    if (icmp.size() < 8)
        return std::nullopt;
    const std::uint8_t type = icmp[0], code = icmp[1];
    if (protocol_ == Protocol::icmp && type == echo_reply_type(family())) {
        if (code != 0 || from != target_ || read16(icmp, 4) != echo_identifier_)
            return std::nullopt;
        return Answer{read16(icmp, 6), AnswerKind::echo_reply, from, 0, 0, std::nullopt, std::nullopt, {}, {}};
    }
    const bool time_exceeded = is_time_exceeded(family(), type, code);
    const bool too_big = family() == Family::v6 && type == RTT_ICMP6_PACKET_TOO_BIG;
    if (!time_exceeded && !too_big && !is_unreachable(family(), type))
        return std::nullopt;
    // Only the quoted IP header and the first 8 bytes of our probe are sure to be there.
    const auto quote = quoted_datagram(icmp, family());
    const auto quoted = parse_ip(quote, true);
    if (!quoted || quoted->family != family() || quoted->destination != target_ ||
        quoted->protocol != ip_protocol(protocol_, family()) || quoted->payload.size() < 8)
        return std::nullopt;
    const auto q = quoted->payload;
    Answer answer{0,
                  time_exceeded ? AnswerKind::time_exceeded : AnswerKind::unreachable,
                  from,
                  time_exceeded ? std::uint8_t{0} : code,
                  0,
                  std::nullopt,
                  std::nullopt,
                  {},
                  {}};
    if (time_exceeded)
        answer.mpls = mpls_labels(icmp, family());
    if (too_big) {
        answer.kind = AnswerKind::packet_too_big;
        answer.icmp_code = 0;
        answer.mtu = read32(icmp, 4);
    } else if (!time_exceeded && family() == Family::v4 && code == RTT_ICMP4_FRAG_NEEDED) {
        answer.mtu = read16(icmp, 6);  // the next hop's MTU (RFC 1191); 0 from older routers
    }
    switch (protocol_) {
    case Protocol::udp:
    case Protocol::tcp:
        // A NAT on the way rewrote the source port and did not translate the quote back
        // (RFC 5508 asks it to): the probe is still ours if the IPv4 ID, which NATs leave
        // alone, carries a probe id; the prober then checks the id and the flow (the
        // destination port, which NATs keep).
        if (fixed_destination_port_) {
            // The flow is the source port (a NAT rewriting it changes the flow: unmatched).
            if (read16(q, 2) != *fixed_destination_port_)
                return std::nullopt;
            answer.flow = read16(q, 0);
        } else {
            if (read16(q, 0) != kForwardSourcePort && (family() != Family::v4 || read16(icmp.subspan(8), 4) == 0))
                return std::nullopt;
            answer.flow = read16(q, 2);
        }
        answer.probe_id = protocol_ == Protocol::udp ? read16(q, 6) : read16(q, 4);
        break;
    case Protocol::icmp:
        if (q[0] != echo_request_type(family()) || read16(q, 4) != echo_identifier_)
            return std::nullopt;
        answer.flow = read16(q, 2);
        answer.probe_id = read16(q, 6);
        break;
    }
    // IPv4 carries the id in the IP ID too: a NAT that rewrote the quoted L4 header without
    // translating it back leaves the IP ID intact.
    if (family() == Family::v4) {
        const std::uint16_t ip_id = read16(icmp.subspan(8), 4);
        if (ip_id != 0)
            answer.probe_id = ip_id;
    }
    if (answer.flow)
        answer.changes = quote_changes(quote, *answer.flow, answer.probe_id);
    return answer;
}

std::vector<PathChange> ForwardCodec::quote_changes(std::span<const std::uint8_t> quote, std::uint16_t flow,
                                                    std::uint16_t id) const {
    const auto seen = read_probe_fields(quote, true);
    if (!seen)
        return {};
    // Path MTU discovery sends probes of many sizes: the quote's own length is the one sent.
    ProbeShape shape = shape_;
    if (shape.path_mtu)
        shape.size = seen->length;
    const OutgoingProbe probe = encode_shaped(1, flow, id, shape);
    const Bytes packet = wrap_in_ip(probe.ip_protocol, source_, target_, probe.ip_ttl, probe.message,
                                    probe.traffic_class, false, family() == Family::v4 ? probe.ip_id : 0);
    const auto sent = read_probe_fields(packet, false);
    return sent ? path_changes(*sent, *seen) : std::vector<PathChange>{};
}

std::optional<Answer> ForwardCodec::decode_udp(std::span<const std::uint8_t> udp, const IpAddress& from) const {
    // A name server's answer: from the DNS port to the port the query came from.
    if (udp.size() < 8 || from != target_)
        return std::nullopt;
    const std::uint16_t theirs = read16(udp, 0), ours = read16(udp, 2);
    const std::uint16_t flow = fixed_destination_port_ ? ours : theirs;
    if (!carries_dns(flow) || theirs != kDnsPort || (!fixed_destination_port_ && ours != kForwardSourcePort))
        return std::nullopt;
    const auto id = dns_response_id(udp.subspan(8));
    if (!id)
        return std::nullopt;
    return Answer{*id, AnswerKind::dns_reply, from, 0, 0, std::nullopt, flow, {}, {}};
}

std::optional<Answer> ForwardCodec::decode_tcp(std::span<const std::uint8_t> tcp, const IpAddress& from) const {
    // Our port is the answer's destination, theirs its source; one of them is the flow.
    if (tcp.size() < 20 || from != target_)
        return std::nullopt;
    const std::uint16_t ours = read16(tcp, 2), theirs = read16(tcp, 0);
    if (fixed_destination_port_ ? theirs != *fixed_destination_port_ : ours != kForwardSourcePort)
        return std::nullopt;
    const std::uint8_t flags = tcp[13];
    const bool syn_ack = (flags & (RTT_TCP_FLAG_SYN | RTT_TCP_FLAG_ACK)) == (RTT_TCP_FLAG_SYN | RTT_TCP_FLAG_ACK);
    const bool reset = flags & RTT_TCP_FLAG_RST;
    if (!syn_ack && !reset)
        return std::nullopt;
    // A SYN-ACK acknowledges our sequence number + 1, the RST answering a SYN that number + 1 +
    // the SYN's payload: the id is in the upper 16 bits either way.
    const std::uint32_t acked = read32(tcp, 8) - 1;
    if (!(flags & RTT_TCP_FLAG_ACK))
        return std::nullopt;
    return Answer{static_cast<std::uint16_t>(acked >> 16),
                  syn_ack ? AnswerKind::tcp_syn_ack : AnswerKind::tcp_reset,
                  from,
                  0,
                  0,
                  std::nullopt,
                  fixed_destination_port_ ? ours : theirs,
                  {},
                  {}};
}

std::vector<sock_filter> ForwardCodec::receive_filter(std::uint8_t protocol) const {
    if (protocol == RTT_IPPROTO_UDP)
        return udp_filter();
    return protocol == RTT_IPPROTO_TCP ? tcp_filter() : icmp_filter();
}

std::vector<sock_filter> ForwardCodec::icmp_filter() const {
    SocketFilterBuilder f;
    const bool v4 = family() == Family::v4;
    const auto error = f.new_label();
    const auto echo = f.new_label();
    // IPv4 raw sockets see the IP header (X = its length); IPv6 ones start at the ICMPv6 header.
    const auto load_byte = [&](std::uint32_t at) { v4 ? f.load_byte_after_header(at) : f.load_byte(at); };
    const auto load_half = [&](std::uint32_t at) { v4 ? f.load_half_after_header(at) : f.load_half(at); };
    if (v4)
        f.load_ipv4_header_length();
    load_byte(0);
    f.jump_if_equal(v4 ? RTT_ICMP4_TIME_EXCEEDED : RTT_ICMP6_TIME_EXCEEDED, error, SocketFilterBuilder::next);
    f.jump_if_equal(v4 ? RTT_ICMP4_DEST_UNREACH : RTT_ICMP6_DEST_UNREACH, error, SocketFilterBuilder::next);
    if (!v4)
        f.jump_if_equal(RTT_ICMP6_PACKET_TOO_BIG, error, SocketFilterBuilder::next);
    f.jump_if_equal(echo_reply_type(family()), protocol_ == Protocol::icmp ? echo : SocketFilterBuilder::reject,
                    SocketFilterBuilder::reject);
    f.place(error);  // the quoted header must be a probe of ours to the target
    load_byte(v4 ? 8 + 9 : 8 + 6);
    f.require_equal(ip_protocol(protocol_, family()));
    require_address(f, v4 ? 8 + 16 : 8 + 24, target_, v4);
    f.jump_to(SocketFilterBuilder::accept);
    f.place(echo);
    load_byte(1);
    f.require_equal(0);
    load_half(4);
    f.require_equal(echo_identifier_);
    if (v4)
        require_address(f, 12, target_, false);
    f.jump_to(SocketFilterBuilder::accept);
    return f.finish();
}

std::vector<sock_filter> ForwardCodec::tcp_filter() const {
    SocketFilterBuilder f;
    const bool v4 = family() == Family::v4;
    if (v4) {
        require_address(f, 12, target_, false);
        f.load_ipv4_header_length();
        f.load_half_after_header(fixed_destination_port_ ? 0 : 2);
    } else {
        f.load_half(fixed_destination_port_ ? 0 : 2);
    }
    f.require_equal(fixed_destination_port_ ? *fixed_destination_port_ : kForwardSourcePort);
    v4 ? f.load_byte_after_header(13) : f.load_byte(13);
    f.jump_if_any_bit(RTT_TCP_FLAG_RST, SocketFilterBuilder::accept, SocketFilterBuilder::next);
    f.and_with(RTT_TCP_FLAG_SYN | RTT_TCP_FLAG_ACK);
    f.jump_if_equal(RTT_TCP_FLAG_SYN | RTT_TCP_FLAG_ACK, SocketFilterBuilder::accept, SocketFilterBuilder::reject);
    return f.finish();
}

std::vector<sock_filter> ForwardCodec::udp_filter() const {
    // Only a name server at the target answering from the DNS port wakes the process.
    SocketFilterBuilder f;
    const bool v4 = family() == Family::v4;
    if (v4) {
        require_address(f, 12, target_, false);
        f.load_ipv4_header_length();
        f.load_half_after_header(0);
    } else {
        f.load_half(0);
    }
    f.require_equal(kDnsPort);
    if (!fixed_destination_port_) {
        v4 ? f.load_half_after_header(2) : f.load_half(2);
        f.require_equal(kForwardSourcePort);
    }
    f.jump_to(SocketFilterBuilder::accept);
    return f.finish();
}

}  // namespace rtt::client
