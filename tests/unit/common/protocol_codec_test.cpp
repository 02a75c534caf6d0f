// SPDX-License-Identifier: MIT
// The codec against every vector and edge case of docs/protocol.md §7.
#include <gtest/gtest.h>

#include "codec.h"
#include "hex.h"

extern "C" {
#include "protocol.h"
}

using namespace rtt;
using rtt::test::hex;
using rtt::test::protocol_vector;
using rtt::test::protocol_vector_hex;
using rtt::test::to_hex;

namespace {

const IpAddress C4 = *IpAddress::parse("192.0.2.1");
const IpAddress S4 = *IpAddress::parse("198.51.100.1");
const IpAddress R4 = *IpAddress::parse("203.0.113.7");
const IpAddress C6 = *IpAddress::parse("2001:db8::1");
const IpAddress S6 = *IpAddress::parse("2001:db8::2");
const IpAddress R6 = *IpAddress::parse("2001:db8:ffff::7");
const Request kRequest{0x1234, 5, RTT_IPPROTO_UDP, 1234};
const std::array<std::uint8_t, 6> kRandom{0xde, 0xad, 0xbe, 0xef, 0x01, 0x02};

ProbeSpec spec(std::uint8_t protocol, const IpAddress& server, const IpAddress& client) {
    return ProbeSpec{protocol, server, client, 5, 0x1234, 1234, kRandom, 0, false};
}

std::vector<std::uint8_t> l4_of(const Bytes& packet) {
    const std::size_t header = (packet[0] >> 4) == 4 ? 20 : 40;
    return {packet.begin() + static_cast<long>(header), packet.end()};
}

}  // namespace

TEST(IpAddress, ParsesBothFamiliesAndKeepsV4Mapped) {
    EXPECT_TRUE(C4.is_v4());
    EXPECT_EQ(C4.to_string(), "192.0.2.1");
    EXPECT_EQ(to_hex({C4.wire().begin(), C4.wire().end()}), "00 00 00 00 00 00 00 00 00 00 ff ff c0 00 02 01");
    EXPECT_FALSE(C6.is_v4());
    EXPECT_EQ(C6.to_string(), "2001:db8::1");
    EXPECT_FALSE(IpAddress::parse("not-an-address"));
    EXPECT_FALSE(IpAddress::parse("192.0.2.256"));
}

TEST(Vectors, V4Request) {
    EXPECT_EQ(to_hex(encode_request(kRequest, C4, S4)), protocol_vector_hex("v4-request"));
    const auto decoded = decode_request(protocol_vector("v4-request"), Family::v4);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->id, 0x1234);
    EXPECT_EQ(decoded->ttl, 5);
    EXPECT_EQ(decoded->protocol, RTT_IPPROTO_UDP);
    EXPECT_EQ(decoded->flow, 1234);
}

TEST(Vectors, V6RequestUsesPseudoHeader) {
    const auto m = encode_request(kRequest, C6, S6);
    EXPECT_EQ(to_hex(m), protocol_vector_hex("v6-request"));
    EXPECT_TRUE(transport_checksum_valid(RTT_IPPROTO_ICMPV6, C6, S6, m));
}

TEST(Vectors, V4ErrorResponses) {
    EXPECT_EQ(to_hex(encode_response({0x1234, 1, {}, 0, 0}, S4, C4)), protocol_vector_hex("v4-state-1"));
    EXPECT_EQ(to_hex(encode_response({0x1234, 2, {}, 0, 0}, S4, C4)), protocol_vector_hex("v4-state-2"));
}

TEST(Vectors, V4SuccessResponse) {
    const auto expected = protocol_vector("v4-success");
    EXPECT_EQ(encode_response({0x1234, 0, R4, 12'345'678, 0}, S4, C4), expected);
    const auto decoded = decode_response(expected, Family::v4);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->state, 0);
    EXPECT_EQ(decoded->hop, R4);
    EXPECT_EQ(decoded->timespan_ns, 12'345'678u);
}

TEST(Vectors, V4UdpProbe) {
    const auto probe = build_probe(spec(RTT_IPPROTO_UDP, S4, C4));
    ASSERT_TRUE(probe);
    EXPECT_EQ(to_hex(*probe), protocol_vector_hex("v4-udp-probe"));
}

TEST(Vectors, V4TcpProbe) {
    const auto probe = build_probe(spec(RTT_IPPROTO_TCP, S4, C4));
    ASSERT_TRUE(probe);
    EXPECT_EQ(to_hex(l4_of(*probe)), protocol_vector_hex("v4-tcp-probe"));
}

TEST(Vectors, IcmpProbesBothFamilies) {
    auto v4 = build_probe(spec(RTT_IPPROTO_ICMP, S4, C4));
    ASSERT_TRUE(v4);
    EXPECT_EQ(to_hex(l4_of(*v4)), protocol_vector_hex("v4-icmp-probe"));
    auto v6 = build_probe(spec(RTT_IPPROTO_ICMPV6, S6, C6));
    ASSERT_TRUE(v6);
    EXPECT_EQ(to_hex(l4_of(*v6)), protocol_vector_hex("v6-icmp-probe"));
}

TEST(Vectors, TimeExceededQuotingUdpProbeMatches) {
    const auto icmp = protocol_vector("v4-time-exceeded");
    EXPECT_TRUE(transport_checksum_valid(RTT_IPPROTO_ICMP, R4, S4, icmp));
    const auto key = match_answer(wrap_in_ip(RTT_IPPROTO_ICMP, R4, S4, 64, icmp));
    ASSERT_TRUE(key);
    EXPECT_EQ(key->requester, C4);
    EXPECT_EQ(key->id, 0x1234);
}

TEST(Vectors, DirectSynAckMatches) {
    const auto tcp = protocol_vector("v4-syn-ack");
    EXPECT_TRUE(transport_checksum_valid(RTT_IPPROTO_TCP, C4, S4, tcp));
    const auto key = match_answer(wrap_in_ip(RTT_IPPROTO_TCP, C4, S4, 64, tcp));
    ASSERT_TRUE(key);
    EXPECT_EQ(key->requester, C4);
    EXPECT_EQ(key->id, 0x1234);
}

TEST(EdgeCases, ProtocolDefaultsAndRejections) {
    EXPECT_EQ(probe_protocol(0, Family::v4), RTT_IPPROTO_ICMP);
    EXPECT_EQ(probe_protocol(0, Family::v6), RTT_IPPROTO_ICMPV6);
    EXPECT_FALSE(probe_protocol(47, Family::v4));
    EXPECT_FALSE(probe_protocol(RTT_IPPROTO_ICMP, Family::v6)) << "v6 request with protocol 1 -> state 2";
    EXPECT_FALSE(probe_protocol(RTT_IPPROTO_ICMPV6, Family::v4));
    EXPECT_FALSE(build_probe(spec(47, S4, C4)));
}

TEST(EdgeCases, FlowZeroDefaults) {
    EXPECT_EQ(probe_flow(RTT_IPPROTO_UDP, 0), 53);
    EXPECT_EQ(probe_flow(RTT_IPPROTO_TCP, 0), 80);
    EXPECT_EQ(probe_flow(RTT_IPPROTO_ICMP, 0), 0xBEAF);
    auto s = spec(RTT_IPPROTO_ICMP, S4, C4);
    s.flow = 0;
    const auto probe = build_probe(s);
    ASSERT_TRUE(probe);
    EXPECT_EQ((*probe)[22], 0xBE);
    EXPECT_EQ((*probe)[23], 0xAF);
    EXPECT_TRUE(transport_checksum_valid(RTT_IPPROTO_ICMP, S4, C4, l4_of(*probe)));
}

TEST(EdgeCases, ProbesOfOneFlowDifferOnlyInUnhashedFields) {
    // §3: within a flow every hashed field stays put whatever the id and random bytes.
    for (auto protocol : {RTT_IPPROTO_UDP, RTT_IPPROTO_TCP, RTT_IPPROTO_ICMPV6}) {
        auto a = spec(protocol, S6, C6);
        auto b = a;
        b.id = 0x9999;
        b.random = {1, 2, 3, 4, 5, 6};
        const auto pa = *build_probe(a), pb = *build_probe(b);
        ASSERT_EQ(pa.size(), pb.size());
        EXPECT_TRUE(std::equal(pa.begin(), pa.begin() + 40, pb.begin())) << "IPv6 header incl. flow label";
        EXPECT_TRUE(std::equal(pa.begin() + 40, pa.begin() + 44, pb.begin() + 40)) << "ports / ICMP type+checksum";
        EXPECT_TRUE(transport_checksum_valid(protocol, S6, C6, l4_of(pb)));
    }
}

TEST(EdgeCases, TimeExceededCodeOneIsIgnored) {
    auto icmp =
        hex("0b 01 00 00 00 00 00 00 45 00 00 24 00 00 00 00 01 11 cd 93 c6 33 64 01 "
            "c0 00 02 01 03 fd 04 d2 00 10 12 34");
    EXPECT_FALSE(match_answer(wrap_in_ip(RTT_IPPROTO_ICMP, R4, S4, 64, icmp)));
}

TEST(EdgeCases, UnrelatedAnswersDoNotMatch) {
    // UDP from the requester never matches (its checksum no longer carries the id).
    EXPECT_FALSE(match_answer(wrap_in_ip(RTT_IPPROTO_UDP, C4, S4, 64, hex("04 d2 03 fd 00 08 00 00"))));
    // An ordinary echo reply (sequence 1) is not ours.
    EXPECT_FALSE(match_answer(wrap_in_ip(RTT_IPPROTO_ICMP, C4, S4, 64, hex("00 00 00 00 12 34 00 01"))));
    // Time exceeded quoting a UDP packet from another source port.
    auto icmp =
        hex("0b 00 00 00 00 00 00 00 45 00 00 24 00 00 00 00 01 11 cd 93 c6 33 64 01 "
            "c0 00 02 01 82 9a 04 d2 00 10 12 34");
    EXPECT_FALSE(match_answer(wrap_in_ip(RTT_IPPROTO_ICMP, R4, S4, 64, icmp)));
    // A truncated quote.
    EXPECT_FALSE(match_answer(wrap_in_ip(RTT_IPPROTO_ICMP, R4, S4, 64, hex("0b 00 00 00 00 00 00 00 45 00"))));
}

TEST(EdgeCases, V6AnswersMatch) {
    const auto probe = *build_probe(spec(RTT_IPPROTO_UDP, S6, C6));
    Bytes icmp = hex("03 00 00 00 00 00 00 00");
    icmp.insert(icmp.end(), probe.begin(), probe.begin() + 48);
    const auto key = match_answer(wrap_in_ip(RTT_IPPROTO_ICMPV6, R6, S6, 64, icmp));
    ASSERT_TRUE(key);
    EXPECT_EQ(key->requester, C6);
    EXPECT_EQ(key->id, 0x1234);
}

TEST(ResponseDecoding, LenientTimespanAndShortOrPlainReplies) {
    auto m = encode_response({7, 0, R6, 0, 0}, S6, C6);
    m[32] = 0x00;
    m[33] = 0x00;
    m[34] = 0x01;
    m[35] = 0x00;  // a 64-bit writer's 256 ns
    EXPECT_EQ(decode_response(m, Family::v6)->timespan_ns, 256u);
    EXPECT_EQ(encode_response({7, 0, R4, 1ull << 40, 0}, S4, C4)[28], 0xFF) << "saturates";
    EXPECT_FALSE(decode_response(hex("00 00 00 00 12 34 00 00 00 00 00 00"), Family::v4)) << "code 0 = plain ping";
    EXPECT_FALSE(decode_response(hex("00 01 00 00 12 34 00 00 00 00 00 00"), Family::v4)) << "success too short";
    const auto err = decode_response(hex("00 01 ec ca 12 34 00 00 01 00 00 00"), Family::v4);
    ASSERT_TRUE(err);
    EXPECT_EQ(err->state, 1);
}
