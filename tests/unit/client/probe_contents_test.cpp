// SPDX-License-Identifier: MIT
// What forward probes carry and what the path does to them: --payload, --size and --tos in the
// encoded probes (checksums verify, the Paris fields stay constant), the DNS query to port 53
// and the name server's answer, and the quote comparison on crafted ICMP errors (a remarked
// DSCP, a NAT that does not translate the quote back, a clamped MSS, short RFC 792 quotes, RFC
// 4884 extensions, truncated quotes), put on the first hop that shows it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "cli/options.h"
#include "cli/probe_shape_options.h"
#include "codec.h"
#include "measurement/json_measurement.h"
#include "measurement/measurement_error.h"
#include "measurement/trace_graph.h"
#include "net/service_banner.h"
#include "probe/dns_probe.h"
#include "probe/forward_codec.h"

extern "C" {
#include "protocol.h"
}

namespace rtt::client {
namespace {

const IpAddress kSource4 = *IpAddress::parse("198.18.1.1");
const IpAddress kTarget4 = *IpAddress::parse("198.18.4.2");
const IpAddress kRouter4 = *IpAddress::parse("198.18.2.1");
const IpAddress kNat4 = *IpAddress::parse("198.18.9.9");
const IpAddress kSource6 = *IpAddress::parse("2001:db8:1::1");
const IpAddress kTarget6 = *IpAddress::parse("2001:db8:4::2");
const IpAddress kRouter6 = *IpAddress::parse("2001:db8:2::1");

std::size_t ip_header(Family family) {
    return family == Family::v4 ? 20 : 40;
}

// The packet as it left (IP header included).
Bytes sent_packet(const ForwardCodec& codec, const OutgoingProbe& probe) {
    return wrap_in_ip(probe.ip_protocol, codec.source(), codec.destination(), probe.ip_ttl, probe.message,
                      probe.traffic_class, false, codec.family() == Family::v4 ? probe.ip_id : 0);
}

// The ICMP error a router sends quoting `quote` (the probe as it arrived there), cut to
// `quoted_bytes` (0: all), as the codec's receive socket hands it over.
Bytes icmp_error(Family family, const IpAddress& router, const IpAddress& to, Bytes quote, std::size_t quoted_bytes = 0,
                 const Bytes& extension = {}) {
    const bool v4 = family == Family::v4;
    if (quoted_bytes > 0 && quoted_bytes < quote.size())
        quote.resize(quoted_bytes);
    Bytes icmp{static_cast<std::uint8_t>(v4 ? 11 : 3), 0, 0, 0, 0, 0, 0, 0};
    if (!extension.empty()) {
        quote.resize(128, 0);  // RFC 4884: the original datagram padded to 128 bytes
        if (v4)
            icmp[5] = 128 / 4;
        else
            icmp[4] = 128 / 8;
    }
    append(icmp, quote);
    append(icmp, extension);
    write16(icmp, 2, transport_checksum(icmp_protocol(family), router, to, icmp));
    return v4 ? wrap_in_ip(1, router, to, 64, icmp) : icmp;
}

std::optional<Answer> decode(const ForwardCodec& codec, const Bytes& packet, const IpAddress& from) {
    return codec.decode({packet, from, icmp_protocol(codec.family())});
}

class ProbeShapeTest : public ::testing::TestWithParam<std::tuple<Protocol, bool>> {};

TEST_P(ProbeShapeTest, PayloadAndSizeKeepTheParisFieldsAndTheChecksum) {
    const auto [protocol, v6] = GetParam();
    const Family family = v6 ? Family::v6 : Family::v4;
    ProbeShape shape;
    shape.payload = Bytes{'H', 'E', 'L', 'L', 'O'};  // odd: the balance still sits on a word
    for (const std::size_t size : {std::size_t{0}, std::size_t{101}, std::size_t{600}}) {
        shape.size = size;
        const ForwardCodec codec(protocol, v6 ? kSource6 : kSource4, v6 ? kTarget6 : kTarget4, 0x4242, std::nullopt,
                                 shape);
        const auto a = codec.encode(3, 40000, 0x1111);
        const auto b = codec.encode(9, 40000, 0x2222);
        SCOPED_TRACE(fmt::format("{} {} size {}", protocol_name(protocol), v6 ? "v6" : "v4", size));
        const std::size_t header = protocol == Protocol::tcp ? 24 : 8;
        const std::size_t total = ip_header(family) + a.message.size();
        EXPECT_EQ(total, size > 0 ? size : minimum_probe_size(protocol, family, shape, false));
        EXPECT_TRUE(std::equal(a.message.begin(), a.message.begin() + 4, b.message.begin()));
        EXPECT_EQ(Bytes(a.message.begin() + static_cast<std::ptrdiff_t>(header),
                        a.message.begin() + static_cast<std::ptrdiff_t>(header) + 5),
                  *shape.payload);
        EXPECT_TRUE(transport_checksum_valid(a.ip_protocol, codec.source(), codec.destination(), a.message));
        EXPECT_TRUE(transport_checksum_valid(b.ip_protocol, codec.source(), codec.destination(), b.message));
        if (protocol == Protocol::udp) {
            EXPECT_EQ(read16(a.message, 4), a.message.size());
        }
        // The whole probe quoted (as Linux routers do): the id and flow come back, nothing changed.
        const IpAddress router = v6 ? kRouter6 : kRouter4;
        const auto answer = decode(codec, icmp_error(family, router, codec.source(), sent_packet(codec, b)), router);
        ASSERT_TRUE(answer);
        EXPECT_EQ(answer->probe_id, 0x2222);
        EXPECT_EQ(answer->flow, 40000);
        EXPECT_TRUE(answer->changes.empty());
    }
}

INSTANTIATE_TEST_SUITE_P(AllProtocols, ProbeShapeTest,
                         ::testing::Combine(::testing::Values(Protocol::udp, Protocol::tcp, Protocol::icmp),
                                            ::testing::Bool()));

TEST(ProbeShape, SizesTooSmallOrTooBigForTheRouteAreOneSentence) {
    ProbeShape shape;
    shape.payload = Bytes(100, 0xAB);
    shape.size = 60;
    const auto small = probe_size_problem(Protocol::udp, Family::v4, shape, false, 1500);
    ASSERT_TRUE(small);
    EXPECT_EQ(*small, "--size 60 is smaller than these probes' headers and payload: give --size 130 or more");
    shape.size = 1400;
    const auto big = probe_size_problem(Protocol::icmp, Family::v6, shape, false, 1280);
    ASSERT_TRUE(big);
    EXPECT_EQ(*big,
              "probes of 1400 bytes do not fit the route's MTU of 1280 bytes: give --size 1280 or less with a "
              "shorter --payload");
    EXPECT_FALSE(probe_size_problem(Protocol::tcp, Family::v4, shape, false, 1500));
    EXPECT_FALSE(probe_size_problem(Protocol::tcp, Family::v4, shape, false, std::nullopt));
}

TEST(ProbeShape, TrafficClassIsSentInBothFamilies) {
    ProbeShape shape;
    shape.traffic_class = 46 << 2;
    for (const bool v6 : {false, true}) {
        const ForwardCodec codec(Protocol::udp, v6 ? kSource6 : kSource4, v6 ? kTarget6 : kTarget4, 1, std::nullopt,
                                 shape);
        const auto fields = read_probe_fields(sent_packet(codec, codec.encode(1, 33434, 7)), false);
        ASSERT_TRUE(fields);
        EXPECT_EQ(fields->traffic_class, 46 << 2);
    }
}

TEST(DnsProbe, UdpToPort53CarriesARootQueryWhoseAnswerEndsTheTrace) {
    for (const bool v6 : {false, true}) {
        const IpAddress source = v6 ? kSource6 : kSource4, target = v6 ? kTarget6 : kTarget4;
        ProbeShape shape;
        shape.size = 100;
        const ForwardCodec codec(Protocol::udp, source, target, 1, std::nullopt, shape);
        const auto probe = codec.encode(4, kDnsPort, 0x5151);
        ASSERT_EQ(ip_header(target.family()) + probe.message.size(), 100u);
        EXPECT_TRUE(transport_checksum_valid(probe.ip_protocol, source, target, probe.message));
        EXPECT_EQ(read16(probe.message, 6), 0x5151);  // the id in the checksum, as every UDP probe
        const std::span<const std::uint8_t> dns = std::span(probe.message).subspan(8);
        EXPECT_EQ(read16(dns, 0), 0x5151);            // DNS ID
        EXPECT_EQ(read16(dns, 2), 0);                 // a query, no recursion
        EXPECT_EQ(read16(dns, 4), 1);                 // one question
        EXPECT_EQ(read16(dns, 10), 1);                // OPT
        EXPECT_EQ(dns[12], 0);                        // the root
        EXPECT_EQ(read16(dns, 13), 2);                // NS
        EXPECT_EQ(read16(dns, 15), 1);                // IN
        EXPECT_EQ(read16(dns, 18), 41);               // OPT
        EXPECT_EQ(read16(dns, 26), dns.size() - 28);  // its data: the Padding option
        EXPECT_EQ(read16(dns, 28), 12);
        // Other ports carry no query.
        EXPECT_EQ(codec.encode(4, 33435, 1).message.size(), 100 - ip_header(target.family()));
        EXPECT_NE(read16(codec.encode(4, 33435, 1).message, 8), 1);

        // The name server's answer: from port 53 to ours, the DNS ID the probe's.
        Bytes reply(8, 0);
        write16(reply, 0, kDnsPort);
        write16(reply, 2, kForwardSourcePort);
        Bytes header{0x51, 0x51, 0x80, 0x05, 0, 1, 0, 0, 0, 0, 0, 0};  // QR, REFUSED: an answer all the same
        append(reply, header);
        write16(reply, 4, static_cast<std::uint16_t>(reply.size()));
        const auto packet = [&](const Bytes& udp, const IpAddress& from) {
            return v6 ? udp : wrap_in_ip(RTT_IPPROTO_UDP, from, source, 64, udp);
        };
        const auto answer = codec.decode({packet(reply, target), target, RTT_IPPROTO_UDP});
        ASSERT_TRUE(answer);
        EXPECT_EQ(answer->kind, AnswerKind::dns_reply);
        EXPECT_EQ(answer->probe_id, 0x5151);
        EXPECT_EQ(answer->flow, kDnsPort);
        EXPECT_TRUE(ends_path(*answer, target));
        // Not from the target, not a response, not from port 53: not an answer.
        const IpAddress other = v6 ? kRouter6 : kRouter4;
        EXPECT_FALSE(codec.decode({packet(reply, other), other, RTT_IPPROTO_UDP}));
        Bytes query = reply;
        query[10] = 0;
        EXPECT_FALSE(codec.decode({packet(query, target), target, RTT_IPPROTO_UDP}));
        Bytes elsewhere = reply;
        write16(elsewhere, 0, 54);
        EXPECT_FALSE(codec.decode({packet(elsewhere, target), target, RTT_IPPROTO_UDP}));
    }
    // A payload of the user's replaces the query, and then no UDP answer is awaited.
    ProbeShape shape;
    shape.payload = Bytes{1, 2};
    const ForwardCodec own(Protocol::udp, kSource4, kTarget4, 1, std::nullopt, shape);
    EXPECT_EQ(own.answer_protocols().size(), 1u);
    EXPECT_EQ(own.encode(1, kDnsPort, 3).message[8], 1);
}

TEST(QuoteChanges, RemarkedDscpNatAndMssClampAreRead) {
    ProbeShape shape;
    shape.traffic_class = 46 << 2;
    const ForwardCodec tcp(Protocol::tcp, kSource4, kTarget4, 1, std::nullopt, shape);
    const auto probe = tcp.encode(5, 443, 0x0707);
    Bytes quote = sent_packet(tcp, probe);
    quote[8] = 1;           // the TTL as the router saw it: never a change
    quote[1] = 0;           // DSCP bleached
    quote[22 + 20] = 0x05;  // MSS 1460 -> 1400 (0x0578)
    quote[23 + 20] = 0x78;
    auto answer = decode(tcp, icmp_error(Family::v4, kRouter4, kSource4, quote), kRouter4);
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->changes,
              (std::vector<PathChange>{{PathChangeKind::dscp, "46", "0"}, {PathChangeKind::mss, "1460", "1400"}}));
    // RFC 792 quotes end 8 bytes into the TCP header: the MSS cannot be told, DSCP still can.
    answer = decode(tcp, icmp_error(Family::v4, kRouter4, kSource4, quote, 28), kRouter4);
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->changes, (std::vector<PathChange>{{PathChangeKind::dscp, "46", "0"}}));

    // A NAT that rewrote the source address and port and did not translate the quote back
    // (RFC 5508 asks it to): the IP ID still names the probe; the checksum it fixed is no news.
    const ForwardCodec udp(Protocol::udp, kSource4, kTarget4, 1);
    Bytes natted = sent_packet(udp, udp.encode(2, 33435, 0x0909));
    std::copy_n(kNat4.header_bytes().begin(), 4, natted.begin() + 12);
    write16(natted, 20, 1024);
    write16(natted, 26, 0x1234);
    answer = decode(udp, icmp_error(Family::v4, kRouter4, kSource4, natted, 28), kRouter4);
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->probe_id, 0x0909);
    EXPECT_EQ(answer->changes, (std::vector<PathChange>{{PathChangeKind::address, "198.18.1.1", "198.18.9.9"},
                                                        {PathChangeKind::port, "33434", "1024"}}));
}

TEST(QuoteChanges, ExtensionsPaddingAndTruncatedQuotesMakeNoFalseChanges) {
    for (const bool v6 : {false, true}) {
        const Family family = v6 ? Family::v6 : Family::v4;
        const IpAddress source = v6 ? kSource6 : kSource4, router = v6 ? kRouter6 : kRouter4;
        for (const Protocol protocol : {Protocol::udp, Protocol::tcp, Protocol::icmp}) {
            SCOPED_TRACE(fmt::format("{} {}", protocol_name(protocol), v6 ? "v6" : "v4"));
            const ForwardCodec codec(protocol, source, v6 ? kTarget6 : kTarget4, 1);
            const Bytes quote = sent_packet(codec, codec.encode(3, 33500, 0x0A0A));
            // An MPLS extension after the quote padded to 128 bytes (RFC 4884 / 4950).
            const Bytes extension{0x20, 0, 0, 0, 0, 8, 1, 1, 0x05, 0xDC, 0x01, 0x01};
            auto answer = decode(codec, icmp_error(family, router, source, quote, 0, extension), router);
            ASSERT_TRUE(answer);
            EXPECT_TRUE(answer->changes.empty());
            EXPECT_EQ(answer->mpls.size(), 1u);
            // The shortest quote that still names the probe.
            answer = decode(codec, icmp_error(family, router, source, quote, ip_header(family) + 8), router);
            ASSERT_TRUE(answer);
            EXPECT_TRUE(answer->changes.empty());
            // Shorter: no answer at all (nothing to match it with).
            EXPECT_FALSE(decode(codec, icmp_error(family, router, source, quote, ip_header(family) + 7), router));
        }
    }
}

TEST(QuoteChanges, AChangeIsPutOnTheFirstHopThatShowsIt) {
    const std::vector<PathChange> bleached{{PathChangeKind::dscp, "46", "0"}};
    const std::vector<PathChange> bleached_and_natted{{PathChangeKind::dscp, "46", "0"},
                                                      {PathChangeKind::address, "198.18.1.1", "198.18.9.9"}};
    const std::vector<PathChange> remarked{{PathChangeKind::dscp, "46", "8"},
                                           {PathChangeKind::address, "198.18.1.1", "198.18.9.9"}};
    EXPECT_EQ(changes_first_seen({}, bleached), bleached);
    EXPECT_TRUE(changes_first_seen(bleached, bleached).empty());
    EXPECT_EQ(changes_first_seen(bleached, bleached_and_natted),
              (std::vector<PathChange>{{PathChangeKind::address, "198.18.1.1", "198.18.9.9"}}));
    // Rewritten a second time: from what the previous hop saw.
    EXPECT_EQ(changes_first_seen(bleached_and_natted, remarked),
              (std::vector<PathChange>{{PathChangeKind::dscp, "0", "8"}}));
    // A per-probe field is the same change whatever its value.
    EXPECT_TRUE(changes_first_seen({{PathChangeKind::ip_id, "1", "9"}}, {{PathChangeKind::ip_id, "2", "7"}}).empty());

    // Through a single-path trace: hop 2's quote first shows the bleaching, hop 3's repeats it.
    const auto reply = [](int ttl, std::vector<PathChange> changes) {
        Answer answer{0,
                      AnswerKind::time_exceeded,
                      *IpAddress::parse(fmt::format("198.18.{}.2", ttl)),
                      0,
                      0,
                      std::nullopt,
                      std::nullopt,
                      {},
                      std::move(changes)};
        return HopResult{static_cast<std::uint8_t>(ttl), 33434, {HopReply{answer, 1.0}}, 0};
    };
    const MultipathGraph graph =
        graph_from_hops({reply(1, {}), reply(2, bleached), reply(3, bleached)}, kSource4, kTarget4);
    ASSERT_EQ(graph.vertices.size(), 4u);
    EXPECT_TRUE(graph.vertices[1].changes.empty());
    EXPECT_EQ(graph.vertices[2].changes, bleached);
    EXPECT_TRUE(graph.vertices[3].changes.empty());
    // Kept in the JSON and read back.
    const MultipathGraph read = graph_from_trace_json(trace_json(graph));
    EXPECT_EQ(read.vertices[2].changes, bleached);
    for (const auto& bad : {R"([{"field":"colour","from":"a","to":"b"}])", R"([{"field":"dscp","from":1,"to":"b"}])",
                            R"({"field":"dscp"})"}) {
        auto json = trace_json(graph);
        json[2]["path_changes"] = nlohmann::json::parse(bad);
        EXPECT_THROW(graph_from_trace_json(json), rtt::MeasurementError) << bad;
    }
}

TEST(PayloadOption, HexOrAFileAndOneSentenceOtherwise) {
    EXPECT_EQ(std::get<Bytes>(parse_payload("48454c4C4f")), (Bytes{'H', 'E', 'L', 'L', 'O'}));
    EXPECT_EQ(std::get<Bytes>(parse_payload("0x0001")), (Bytes{0, 1}));
    EXPECT_EQ(std::get<std::string>(parse_payload("abc")),
              "--payload 'abc' is not pairs of hex digits: give e.g. 48454c4c4f, or @FILE");
    EXPECT_EQ(std::get<std::string>(parse_payload("zz")),
              "--payload 'zz' is not pairs of hex digits: give e.g. 48454c4c4f, or @FILE");
    const auto path = std::filesystem::temp_directory_path() / "rtt-payload-test.bin";
    std::ofstream(path, std::ios::binary) << std::string("\x00\x01GET", 5);
    EXPECT_EQ(std::get<Bytes>(parse_payload("@" + path.string())), (Bytes{0, 1, 'G', 'E', 'T'}));
    std::filesystem::remove(path);
    EXPECT_EQ(std::get<std::string>(parse_payload("@/nonexistent/payload")),
              "cannot read the payload file /nonexistent/payload: No such file or directory; check the path after @");
}

ParseExit parse_error(std::vector<const char*> words) {
    words.insert(words.begin(), "reverse-traceroute");
    auto parsed = parse_command_line(static_cast<int>(words.size()), words.data());
    if (auto* exit = std::get_if<ParseExit>(&parsed))
        return *exit;
    return {0, ""};
}

TEST(PayloadOption, CommandLine) {
    const char* words[] = {"reverse-traceroute", "--payload", "0102", "--size", "200", "-t", "184", "forward",
                           "198.18.4.2"};
    const auto parsed = parse_command_line(9, words);
    ASSERT_TRUE(std::holds_alternative<ClientOptions>(parsed));
    const auto& o = std::get<ClientOptions>(parsed);
    EXPECT_EQ(o.payload, (Bytes{1, 2}));
    EXPECT_EQ(o.size, 200);
    EXPECT_EQ(o.tos, 184);
    EXPECT_EQ(parse_error({"--payload", "0102", "reverse", "198.18.4.2"}).text,
              "--payload, --size and -t shape forward probes only (the server builds the reverse probes and a "
              "request carries none of them): trace forward or two-way");
    EXPECT_EQ(parse_error({"-t", "300", "198.18.4.2"}).text, "-t 300 is out of range: give 0 to 255 (DSCP * 4 + ECN)");
    EXPECT_EQ(parse_error({"--payload", "xyz", "198.18.4.2"}).exit_code, 2);
}

}  // namespace
}  // namespace rtt::client

namespace rtt::client {
namespace {

TEST(Banner, FirstLineInPrintableFormBounded) {
    const std::string ssh = "SSH-2.0-OpenSSH_9.2p1\r\nmore";
    EXPECT_EQ(printable_banner({reinterpret_cast<const std::uint8_t*>(ssh.data()), ssh.size()}),
              "SSH-2.0-OpenSSH_9.2p1");
    const Bytes odd{'2', '2', '0', ' ', 0x01, 0xC3, 0xA9, '\t', 'x'};
    EXPECT_EQ(printable_banner(odd), "220 \\x01\\xc3\\xa9\\x09x");
    const Bytes long_line(500, 'a');
    EXPECT_EQ(printable_banner(long_line).size(), kBannerChars);
    const Bytes escapes(150, 0x00);  // never a \xNN cut in half
    EXPECT_EQ(printable_banner(escapes).size(), 200u);
    EXPECT_EQ(printable_banner(escapes).substr(196), "\\x00");
}

TEST(Banner, NoConnectionUnlessTheTraceReachedAnOpenPort) {
    Answer open{};
    open.kind = AnswerKind::tcp_syn_ack;
    EXPECT_FALSE(banner_without_connection(open, 22, 3));
    Answer reset{};
    reset.kind = AnswerKind::tcp_reset;
    EXPECT_EQ(banner_without_connection(reset, 22, 3)->state, ServiceBanner::State::closed);
    EXPECT_EQ(banner_without_connection(std::nullopt, 22, 3)->state, ServiceBanner::State::not_reached);
    EXPECT_EQ(banner_line({ServiceBanner::State::sent, 25, 3, "220 mail.example ESMTP"}),
              "banner: port 25: 220 mail.example ESMTP");
    EXPECT_EQ(banner_json({ServiceBanner::State::silent, 80, 3, ""}),
              (nlohmann::json{{"port", 80}, {"state", "silent"}}));
}

TEST(Banner, CommandLineTakesAnOptionalWait) {
    const auto parsed = [](std::vector<const char*> words) {
        words.insert(words.begin(), "reverse-traceroute");
        return parse_command_line(static_cast<int>(words.size()), words.data());
    };
    auto o = std::get<ClientOptions>(parsed({"--banner", "forward", "tcp", "198.18.4.2"}));
    EXPECT_EQ(o.banner_s, 3.0);
    EXPECT_EQ(o.direction, Direction::forward);
    o = std::get<ClientOptions>(parsed({"-T", "--banner", "5", "198.18.4.2"}));
    EXPECT_EQ(o.banner_s, 5.0);
    o = std::get<ClientOptions>(parsed({"-T", "--banner", "198.18.4.2"}));  // an address, not a wait
    EXPECT_EQ(o.banner_s, 3.0);
    EXPECT_EQ(o.target, "198.18.4.2");
    EXPECT_EQ(std::get<ParseExit>(parsed({"--banner", "udp", "198.18.4.2"})).text,
              "--banner connects to the port a forward TCP trace reached: trace tcp forward or two-way");
    EXPECT_EQ(std::get<ParseExit>(parsed({"--banner", "tcp", "multipath", "198.18.4.2"})).text,
              "--banner needs one port, and multipath TCP flows vary the destination port unless told: give -p PORT");
    EXPECT_EQ(std::get<ParseExit>(parsed({"--banner", "99", "-T", "198.18.4.2"})).text,
              "--banner 99 s is out of range: give 0.1 to 60 seconds");
}

}  // namespace
}  // namespace rtt::client
