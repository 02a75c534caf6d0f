// SPDX-License-Identifier: MIT
#include "codec.h"

#include <algorithm>

extern "C" {
#include "checksum.h"
#include "protocol.h"
}

namespace rtt {
std::uint8_t echo_request_type(Family f) {
    return f == Family::v4 ? RTT_ICMP4_ECHO_REQUEST : RTT_ICMP6_ECHO_REQUEST;
}

std::uint8_t echo_reply_type(Family f) {
    return f == Family::v4 ? RTT_ICMP4_ECHO_REPLY : RTT_ICMP6_ECHO_REPLY;
}

namespace {

constexpr std::size_t kIpv4HeaderLen = 20;
constexpr std::size_t kIpv6HeaderLen = 40;

// Writes the checksum of `message` (checksum field at `at`, currently zero) into it.
void seal(Bytes& message, std::size_t at, std::uint8_t protocol, const IpAddress& src, const IpAddress& dst) {
    write16(message, at, transport_checksum(protocol, src, dst, message));
}

}  // namespace

Bytes with_checksum(Bytes message, std::size_t at, std::uint8_t protocol, const IpAddress& source,
                    const IpAddress& destination) {
    write16(message, at, 0);
    seal(message, at, protocol, source, destination);
    return message;
}

void balance_checksum(Bytes& message, std::uint8_t protocol, const IpAddress& src, const IpAddress& dst) {
    balance_checksum_at(message, message.size() - 2, protocol, src, dst);
}

void balance_checksum_at(Bytes& message, std::size_t at, std::uint8_t protocol, const IpAddress& src,
                         const IpAddress& dst) {
    // The balance sits at an even offset, so it is one 16-bit word of the sum.
    write16(message, at, 0);
    std::uint64_t sum = ones_sum(message);
    if (protocol != RTT_IPPROTO_ICMP)
        sum += pseudo_header_sum(src, dst, protocol, static_cast<std::uint32_t>(message.size()));
    write16(message, at, rtt_csum_finish(sum));
}

std::optional<IpView> parse_ip(std::span<const std::uint8_t> packet, bool quoted) {
    if (packet.empty())
        return std::nullopt;
    const int version = packet[0] >> 4;
    if (version == 4) {
        if (packet.size() < kIpv4HeaderLen)
            return std::nullopt;
        const std::size_t ihl = static_cast<std::size_t>(packet[0] & 0x0F) * 4;
        if (ihl < kIpv4HeaderLen || packet.size() < ihl)
            return std::nullopt;
        std::size_t end = packet.size();
        if (!quoted)
            end = std::min<std::size_t>(end, read16(packet, 2));
        if (end < ihl)
            return std::nullopt;
        return IpView{Family::v4,
                      packet[9],
                      IpAddress::from_v4(packet.subspan(12).first<4>()),
                      IpAddress::from_v4(packet.subspan(16).first<4>()),
                      packet[8],
                      packet.subspan(ihl, end - ihl)};
    }
    if (version == 6) {
        if (packet.size() < kIpv6HeaderLen)
            return std::nullopt;
        std::size_t end = packet.size();
        if (!quoted)
            end = std::min<std::size_t>(end, kIpv6HeaderLen + read16(packet, 4));
        return IpView{Family::v6,
                      packet[6],
                      IpAddress::from_v6(packet.subspan(8).first<16>()),
                      IpAddress::from_v6(packet.subspan(24).first<16>()),
                      packet[7],
                      packet.subspan(kIpv6HeaderLen, end - kIpv6HeaderLen)};
    }
    return std::nullopt;
}

namespace {

// The session key a quoted probe (IP header + first 8 bytes) carries, if it is one of ours.
std::optional<SessionKey> match_quoted_probe(std::span<const std::uint8_t> quote) {
    const auto ip = parse_ip(quote, true);
    if (!ip || ip->payload.size() < 8)
        return std::nullopt;
    const auto l4 = ip->payload;
    switch (ip->protocol) {
    case RTT_IPPROTO_UDP:
        if (read16(l4, 0) != RTT_PROBE_SOURCE_PORT)
            return std::nullopt;
        return SessionKey{ip->destination, read16(l4, 6)};
    case RTT_IPPROTO_TCP:
        if (read16(l4, 0) != RTT_PROBE_SOURCE_PORT || read16(l4, 4) != 0)
            return std::nullopt;
        return SessionKey{ip->destination, read16(l4, 6)};
    case RTT_IPPROTO_ICMP:
    case RTT_IPPROTO_ICMPV6:
        if (l4[0] != echo_request_type(ip->family) || l4[1] != 0 || read16(l4, 6) != RTT_PROBE_ECHO_SEQUENCE ||
            ip->protocol != icmp_protocol(ip->family))
            return std::nullopt;
        return SessionKey{ip->destination, read16(l4, 4)};
    default: return std::nullopt;
    }
}

}  // namespace

std::uint64_t ones_sum(std::span<const std::uint8_t> bytes, std::uint64_t sum) {
    std::size_t i = 0;
    for (; i + 1 < bytes.size(); i += 2)
        sum += read16(bytes, i);
    if (i < bytes.size())
        sum += std::uint32_t(bytes[i]) << 8;
    return sum;
}

std::uint64_t pseudo_header_sum(const IpAddress& source, const IpAddress& destination, std::uint8_t protocol,
                                std::uint32_t length) {
    std::uint64_t sum = ones_sum(source.header_bytes());
    sum = ones_sum(destination.header_bytes(), sum);
    return sum + protocol + (length >> 16) + (length & 0xFFFF);
}

std::uint16_t transport_checksum(std::uint8_t protocol, const IpAddress& source, const IpAddress& destination,
                                 std::span<const std::uint8_t> message) {
    std::uint64_t sum = ones_sum(message);
    if (protocol != RTT_IPPROTO_ICMP)
        sum += pseudo_header_sum(source, destination, protocol, static_cast<std::uint32_t>(message.size()));
    return rtt_csum_finish(sum);
}

bool transport_checksum_valid(std::uint8_t protocol, const IpAddress& source, const IpAddress& destination,
                              std::span<const std::uint8_t> message) {
    std::uint64_t sum = ones_sum(message);
    if (protocol != RTT_IPPROTO_ICMP)
        sum += pseudo_header_sum(source, destination, protocol, static_cast<std::uint32_t>(message.size()));
    return rtt_csum_fold(sum) == 0xFFFF;
}

std::uint8_t icmp_protocol(Family family) {
    return family == Family::v4 ? RTT_IPPROTO_ICMP : RTT_IPPROTO_ICMPV6;
}

Bytes encode_request(const Request& request, const IpAddress& client, const IpAddress& server, std::size_t length) {
    const Family family = client.family();
    Bytes m(std::max<std::size_t>(length, RTT_REQUEST_LEN), 0);
    m[0] = echo_request_type(family);
    m[1] = RTT_CODE;
    write16(m, 4, request.id);
    m[8] = request.ttl;
    m[9] = request.protocol;
    write16(m, 10, request.flow);
    seal(m, 2, icmp_protocol(family), client, server);
    return m;
}

std::optional<Request> decode_request(std::span<const std::uint8_t> icmp, Family family) {
    if (icmp.size() < RTT_REQUEST_LEN || icmp[0] != echo_request_type(family) || icmp[1] != RTT_CODE)
        return std::nullopt;
    return Request{read16(icmp, 4), icmp[8], icmp[9], read16(icmp, 10)};
}

Bytes encode_response(const Response& response, const IpAddress& server, const IpAddress& client) {
    const Family family = server.family();
    const bool success = response.state == RTT_STATE_SUCCESS;
    Bytes m(success ? RTT_RESPONSE_SUCCESS_LEN : RTT_RESPONSE_ERROR_LEN, 0);
    m[0] = echo_reply_type(family);
    m[1] = RTT_CODE;
    write16(m, 4, response.id);
    m[8] = response.state;
    if (!success)
        write16(m, 10, response.value);
    if (success) {
        const auto hop = response.hop.value_or(IpAddress{}).wire();
        std::copy(hop.begin(), hop.end(), m.begin() + 12);
        write32(m, 28, static_cast<std::uint32_t>(std::min<std::uint64_t>(response.timespan_ns, 0xFFFFFFFFu)));
    }
    seal(m, 2, icmp_protocol(family), server, client);
    return m;
}

std::optional<Response> decode_response(std::span<const std::uint8_t> icmp, Family family) {
    if (icmp.size() < RTT_RESPONSE_ERROR_LEN || icmp[0] != echo_reply_type(family) || icmp[1] != RTT_CODE)
        return std::nullopt;
    Response r{read16(icmp, 4), icmp[8], std::nullopt, 0, 0};
    if (r.state != RTT_STATE_SUCCESS) {
        r.value = read16(icmp, 10);
        return r;
    }
    // A server may put text of err-msg-len bytes after the head; skip it.
    const std::size_t at = RTT_RESPONSE_ERROR_LEN + icmp[9];
    if (icmp.size() < at + 24)
        return std::nullopt;
    r.hop = IpAddress::from_wire(icmp.subspan(at).first<16>());
    const std::uint32_t low = read32(icmp, at + 16);
    const std::uint32_t high = read32(icmp, at + 20);
    // Lenient (§2): deployed servers write 32 bits at 28; a 64-bit writer leaves 28-31 zero.
    r.timespan_ns = (low == 0 && high != 0) ? std::uint64_t(high) : low;
    return r;
}

std::optional<std::uint8_t> probe_protocol(std::uint8_t requested, Family family) {
    if (requested == RTT_IPPROTO_DEFAULT || requested == icmp_protocol(family))
        return icmp_protocol(family);
    if (requested == RTT_IPPROTO_TCP || requested == RTT_IPPROTO_UDP)
        return requested;
    return std::nullopt;
}

std::uint16_t probe_flow(std::uint8_t protocol, std::uint16_t flow) {
    if (flow != 0)
        return flow;
    switch (protocol) {
    case RTT_IPPROTO_UDP: return RTT_DEFAULT_UDP_PORT;
    case RTT_IPPROTO_TCP: return RTT_DEFAULT_TCP_PORT;
    default: return RTT_DEFAULT_ICMP_CHECKSUM;
    }
}

std::optional<Bytes> build_probe(const ProbeSpec& spec) {
    const Family family = spec.destination.family();
    const auto protocol = probe_protocol(spec.protocol, family);
    if (!protocol)
        return std::nullopt;
    const std::uint16_t flow = probe_flow(*protocol, spec.flow);
    Bytes l4;
    if (*protocol == RTT_IPPROTO_TCP) {
        l4.assign(RTT_TCP_PROBE_LEN, 0);
        write16(l4, 0, RTT_PROBE_SOURCE_PORT);
        write16(l4, 2, flow);
        write32(l4, 4, spec.id);
        l4[12] = 6 << 4;
        l4[13] = RTT_TCP_FLAG_SYN;
        write16(l4, 14, RTT_TCP_PROBE_WINDOW);
        l4[20] = 2;  // MSS option kind and length
        l4[21] = 4;
        write16(l4, 22, RTT_TCP_PROBE_MSS);
        seal(l4, 16, *protocol, spec.source, spec.destination);
    } else if (*protocol == RTT_IPPROTO_UDP) {
        l4.assign(RTT_UDP_PROBE_LEN, 0);
        write16(l4, 0, RTT_PROBE_SOURCE_PORT);
        write16(l4, 2, flow);
        write16(l4, 4, RTT_UDP_PROBE_LEN);
        write16(l4, 6, spec.id);
        std::copy(spec.random.begin(), spec.random.end(), l4.begin() + 8);
        balance_checksum(l4, *protocol, spec.source, spec.destination);
    } else {
        l4.assign(RTT_ICMP_PROBE_LEN, 0);
        l4[0] = echo_request_type(family);
        write16(l4, 2, flow);
        write16(l4, 4, spec.id);
        write16(l4, 6, RTT_PROBE_ECHO_SEQUENCE);
        std::copy(spec.random.begin(), spec.random.end(), l4.begin() + 8);
        balance_checksum(l4, *protocol, spec.source, spec.destination);
    }
    return wrap_in_ip(*protocol, spec.source, spec.destination, spec.ttl, l4, family == Family::v4 ? spec.tos : 0,
                      spec.dont_fragment);
}

Bytes wrap_in_ip(std::uint8_t protocol, const IpAddress& source, const IpAddress& destination, std::uint8_t ttl,
                 std::span<const std::uint8_t> payload, std::uint8_t tos, bool dont_fragment, std::uint16_t ip_id) {
    Bytes p;
    if (source.is_v4()) {
        p.assign(kIpv4HeaderLen, 0);
        p[0] = 0x45;
        p[1] = tos;
        write16(p, 2, static_cast<std::uint16_t>(kIpv4HeaderLen + payload.size()));
        write16(p, 4, ip_id);
        write16(p, 6, dont_fragment ? 0x4000 : 0);
        p[8] = ttl;
        p[9] = protocol;
        std::copy_n(source.header_bytes().begin(), 4, p.begin() + 12);
        std::copy_n(destination.header_bytes().begin(), 4, p.begin() + 16);
        write16(p, 10, rtt_csum_finish(ones_sum(p)));
    } else {
        p.assign(kIpv6HeaderLen, 0);
        p[0] = static_cast<std::uint8_t>(0x60 | (tos >> 4));
        p[1] = static_cast<std::uint8_t>(tos << 4);
        write16(p, 4, static_cast<std::uint16_t>(payload.size()));
        p[6] = protocol;
        p[7] = ttl;
        std::copy_n(source.wire().begin(), 16, p.begin() + 8);
        std::copy_n(destination.wire().begin(), 16, p.begin() + 24);
    }
    append(p, payload);
    return p;
}

std::optional<SessionKey> match_answer(std::span<const std::uint8_t> ip_packet) {
    const auto ip = parse_ip(ip_packet, false);
    if (!ip)
        return std::nullopt;
    const auto l4 = ip->payload;
    if (ip->protocol == icmp_protocol(ip->family)) {
        if (l4.size() < 8)
            return std::nullopt;
        const std::uint8_t type = l4[0], code = l4[1];
        const bool v4 = ip->family == Family::v4;
        const bool time_exceeded = type == (v4 ? RTT_ICMP4_TIME_EXCEEDED : RTT_ICMP6_TIME_EXCEEDED) && code == 0;
        const bool unreachable = type == (v4 ? RTT_ICMP4_DEST_UNREACH : RTT_ICMP6_DEST_UNREACH);
        if (time_exceeded || unreachable) {
            auto key = match_quoted_probe(l4.subspan(8));
            if (key && key->requester.family() != ip->family)
                return std::nullopt;
            return key;
        }
        if (type == echo_reply_type(ip->family) && code == 0 && read16(l4, 6) == RTT_PROBE_ECHO_SEQUENCE)
            return SessionKey{ip->source, read16(l4, 4)};
        return std::nullopt;
    }
    if (ip->protocol == RTT_IPPROTO_TCP && l4.size() >= 20 && read16(l4, 2) == RTT_PROBE_SOURCE_PORT) {
        const std::uint8_t flags = l4[13];
        const bool syn_ack = (flags & (RTT_TCP_FLAG_SYN | RTT_TCP_FLAG_ACK)) == (RTT_TCP_FLAG_SYN | RTT_TCP_FLAG_ACK);
        const bool rst = flags & RTT_TCP_FLAG_RST;
        const std::uint32_t acked = read32(l4, 8) - 1;
        if ((syn_ack || rst) && (flags & RTT_TCP_FLAG_ACK) && acked <= 0xFFFF)
            return SessionKey{ip->source, static_cast<std::uint16_t>(acked)};
    }
    return std::nullopt;
}

}  // namespace rtt
