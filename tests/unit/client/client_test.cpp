// SPDX-License-Identifier: MIT
// Client units without privileges: the forward Paris encodings (flow fields constant within a
// flow, probe id recovered from the quoted header), reverse request/response decoding with the
// protocol.md vectors, and the command line's messages for bad input.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "cli/options.h"
#include "cli/trace_settings.h"
#include "client_error.h"
#include "codec.h"
#include "hex.h"
#include "net/endpoints.h"
#include "net/reverse_resolver.h"
#include "output/output_paths.h"
#include "probe/forward_codec.h"
#include "probe/reverse_codec.h"

extern "C" {
#include "protocol.h"
}

namespace rtt::client {
namespace {

const IpAddress kSource4 = *IpAddress::parse("192.0.2.1");
const IpAddress kTarget4 = *IpAddress::parse("198.51.100.1");
const IpAddress kRouter4 = *IpAddress::parse("203.0.113.7");
const IpAddress kSource6 = *IpAddress::parse("2001:db8::1");
const IpAddress kTarget6 = *IpAddress::parse("2001:db8::2");
const IpAddress kRouter6 = *IpAddress::parse("2001:db8:ffff::7");

// The Time Exceeded a router sends for `probe` (as received: IPv4 with IP header, IPv6 without).
Bytes time_exceeded(const ForwardCodec& codec, const OutgoingProbe& probe, const IpAddress& router) {
    const Bytes quoted =
        wrap_in_ip(probe.ip_protocol, codec.source(), codec.destination(), 1, probe.message, 0, false, probe.ip_id);
    const bool v4 = codec.family() == Family::v4;
    Bytes icmp{static_cast<std::uint8_t>(v4 ? 11 : 3), 0, 0, 0, 0, 0, 0, 0};
    icmp.insert(icmp.end(), quoted.begin(), quoted.begin() + (v4 ? 20 : 40) + 8);
    write16(icmp, 2, transport_checksum(icmp_protocol(codec.family()), router, codec.source(), icmp));
    return v4 ? wrap_in_ip(1, router, codec.source(), 64, icmp) : icmp;
}

class ForwardCodecTest : public ::testing::TestWithParam<std::tuple<Protocol, bool>> {};

TEST_P(ForwardCodecTest, FlowFieldsStayConstantAndIdComesBackFromTheQuote) {
    const auto [protocol, v6] = GetParam();
    const ForwardCodec codec(protocol, v6 ? kSource6 : kSource4, v6 ? kTarget6 : kTarget4, 0x4242);
    const auto a = codec.encode(3, 40000, 0x1111);
    const auto b = codec.encode(7, 40000, 0x2222);
    // The first four bytes hold ports (UDP/TCP) or type, code and checksum (ICMP): hashed.
    EXPECT_TRUE(std::equal(a.message.begin(), a.message.begin() + 4, b.message.begin()));
    EXPECT_TRUE(transport_checksum_valid(a.ip_protocol, codec.source(), codec.destination(), a.message));
    const Bytes answer = time_exceeded(codec, b, v6 ? kRouter6 : kRouter4);
    const auto decoded = codec.decode({answer, v6 ? kRouter6 : kRouter4, icmp_protocol(codec.family())});
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->probe_id, 0x2222);
    EXPECT_EQ(decoded->kind, AnswerKind::time_exceeded);
    EXPECT_EQ(decoded->responder, v6 ? kRouter6 : kRouter4);
    EXPECT_EQ(decoded->flow, 40000);
}

INSTANTIATE_TEST_SUITE_P(AllProtocols, ForwardCodecTest,
                         ::testing::Combine(::testing::Values(Protocol::udp, Protocol::tcp, Protocol::icmp),
                                            ::testing::Bool()));

TEST(ForwardCodec, UdpChecksumCarriesTheIdAndIcmpChecksumTheFlow) {
    const ForwardCodec udp(Protocol::udp, kSource4, kTarget4, 1);
    EXPECT_EQ(read16(udp.encode(1, 40000, 0x1234).message, 6), 0x1234);
    EXPECT_EQ(udp.encode(1, 40000, 0x1234).ip_id, 0x1234);
    const ForwardCodec icmp(Protocol::icmp, kSource6, kTarget6, 1);
    EXPECT_EQ(read16(icmp.encode(1, 40000, 0x1234).message, 2), 40000);
}

TEST(ForwardCodec, IgnoresQuotesOfProbesToOtherTargets) {
    const ForwardCodec codec(Protocol::udp, kSource4, kTarget4, 1);
    const ForwardCodec other(Protocol::udp, kSource4, kRouter4, 1);
    const Bytes answer = time_exceeded(other, other.encode(2, 33434, 9), kRouter4);
    EXPECT_FALSE(codec.decode({answer, kRouter4, 1}));
}

TEST(ReverseCodec, RequestMatchesProtocolVector) {
    const ReverseCodec codec(Protocol::udp, kSource4, kTarget4);
    // docs/protocol.md §7 vector v4-request uses server 198.51.100.1 and client 192.0.2.1; the
    // client pads it with zeros to the 36 bytes of a success response (§1).
    Bytes padded = rtt::test::protocol_vector("v4-request");
    padded.resize(36, 0);
    EXPECT_EQ(rtt::test::to_hex(codec.encode(5, 1234, 0x1234).message), rtt::test::to_hex(padded));
}

TEST(ReverseCodec, DecodesSuccessErrorAndPlainEcho) {
    const ReverseCodec codec(Protocol::udp, kSource4, kTarget4);
    const Bytes success = encode_response({0x1234, 0, kRouter4, 12'345'678, 0}, kTarget4, kSource4);
    auto a = codec.decode({wrap_in_ip(1, kTarget4, kSource4, 64, success), kTarget4, 1});
    ASSERT_TRUE(a);
    EXPECT_EQ(a->kind, AnswerKind::server_hop);
    EXPECT_EQ(a->responder, kRouter4);
    EXPECT_EQ(*a->rtt_ns, 12'345'678u);
    const Bytes refused = encode_response({0x1234, 2, std::nullopt, 0, 0}, kTarget4, kSource4);
    a = codec.decode({wrap_in_ip(1, kTarget4, kSource4, 64, refused), kTarget4, 1});
    ASSERT_TRUE(a);
    EXPECT_EQ(a->kind, AnswerKind::server_refused);
    EXPECT_EQ(server_state_message(a->server_state), "the server rejected the probe protocol or flow");
    // States 4 to 6 (extension object, padding, busy) each get their own sentence.
    const Bytes busy = encode_response({0x1234, RTT_STATE_BUSY, std::nullopt, 0, 0}, kTarget4, kSource4);
    a = codec.decode({wrap_in_ip(1, kTarget4, kSource4, 64, busy), kTarget4, 1});
    ASSERT_TRUE(a);
    EXPECT_EQ(a->kind, AnswerKind::server_refused);
    EXPECT_EQ(server_state_message(a->server_state).rfind("the server is busy", 0), 0u);
    EXPECT_NE(server_state_message(RTT_STATE_EXTENSION_NOT_SUPPORTED).find("extension object"), std::string::npos);
    EXPECT_NE(server_state_message(RTT_STATE_INSUFFICIENT_PADDING).find("padded"), std::string::npos);
    // Linux without a server echoes the request (code 1, 12 bytes) with type 0.
    Bytes echo = codec.encode(0, 0, 0x1234).message;
    echo[0] = 0;
    a = codec.decode({wrap_in_ip(1, kTarget4, kSource4, 64, echo), kTarget4, 1});
    ASSERT_TRUE(a);
    EXPECT_EQ(a->kind, AnswerKind::not_a_server);
}

std::string parse_error(std::vector<const char*> args) {
    args.insert(args.begin(), "reverse-traceroute");
    const auto result = parse_command_line(static_cast<int>(args.size()), args.data());
    const auto* exit = std::get_if<ParseExit>(&result);
    if (exit == nullptr)
        return "(parsed)";
    EXPECT_EQ(exit->exit_code, 2);
    return exit->text;
}

TEST(CommandLine, ParsesTheAugsburgGrammarWithTracerouteLetters) {
    const char* args[] = {"reverse-traceroute", "-n",     "-m",  "12", "two-way", "tcp",
                          "singlepath",         "--flow", "443", "-q", "2",       "example.net"};
    const auto result = parse_command_line(12, args);
    ASSERT_TRUE(std::holds_alternative<ClientOptions>(result));
    const auto& o = std::get<ClientOptions>(result);
    EXPECT_EQ(o.direction, Direction::two_way);
    EXPECT_EQ(o.protocol, Protocol::tcp);
    EXPECT_EQ(o.max_ttl, 12);
    EXPECT_EQ(o.flow, 443);
    EXPECT_EQ(o.probes_per_hop, 2);
    EXPECT_TRUE(o.no_resolve);
    EXPECT_EQ(o.target, "example.net");
}

// The first command most people type: a host and maybe options, nothing else.
TEST(CommandLine, ABareHostTracesTwoWayUdpSinglePath) {
    const char* args[] = {"reverse-traceroute", "-n", "-q", "5", "example.net"};
    const auto result = parse_command_line(5, args);
    ASSERT_TRUE(std::holds_alternative<ClientOptions>(result));
    const auto& o = std::get<ClientOptions>(result);
    EXPECT_EQ(o.direction, Direction::two_way);
    EXPECT_EQ(o.protocol, Protocol::udp);
    EXPECT_EQ(o.engine, EngineKind::singlepath);
    EXPECT_EQ(o.probes_per_hop, 5);
    EXPECT_TRUE(o.no_resolve);
    EXPECT_EQ(o.target, "example.net");
    // A host alone, and options with no host (then the host is what is missing).
    const char* bare[] = {"reverse-traceroute", "example.net"};
    ASSERT_TRUE(std::holds_alternative<ClientOptions>(parse_command_line(2, bare)));
    EXPECT_NE(parse_error({"-m", "5"}).find("missing target"), std::string::npos);
    // Some of the words given: the others take their defaults.
    const char* some[] = {"reverse-traceroute", "reverse", "example.net"};
    const auto reverse = std::get<ClientOptions>(parse_command_line(3, some));
    EXPECT_EQ(reverse.direction, Direction::reverse);
    EXPECT_EQ(reverse.protocol, Protocol::udp);
    EXPECT_EQ(reverse.engine, EngineKind::singlepath);
}

ClientOptions parsed(std::vector<const char*> args) {
    args.insert(args.begin(), "reverse-traceroute");
    const auto result = parse_command_line(static_cast<int>(args.size()), args.data());
    if (const auto* exit = std::get_if<ParseExit>(&result)) {
        ADD_FAILURE() << "not parsed: " << exit->text;
        return {};
    }
    return std::get<ClientOptions>(result);
}

// Issue 16: `-q 5 two-way udp singlepath X` was refused; options stand anywhere now.
TEST(CommandLine, OptionsStandBeforeBetweenOrAfterTheWords) {
    for (const auto& args : std::vector<std::vector<const char*>>{{"-q", "5", "two-way", "udp", "singlepath", "x"},
                                                                  {"two-way", "-q", "5", "udp", "singlepath", "x"},
                                                                  {"two-way", "udp", "singlepath", "x", "-q", "5"},
                                                                  {"two-way", "udp", "singlepath", "-q", "5", "x"}}) {
        const auto o = parsed(args);
        EXPECT_EQ(o.probes_per_hop, 5);
        EXPECT_EQ(o.target, "x");
        EXPECT_EQ(o.direction, Direction::two_way);
    }
    const auto m = parsed({"--confidence", "0.01", "-m", "9", "forward", "icmp", "multipath", "x"});
    EXPECT_EQ(m.engine, EngineKind::multipath);
    EXPECT_DOUBLE_EQ(m.confidence, 0.01);
    EXPECT_EQ(m.max_ttl, 9);
    // An engine's option with the other engine is named, not silently ignored.
    EXPECT_EQ(parse_error({"--confidence", "0.1", "x"}),
              "--confidence is a multipath option: say multipath or drop it");
    EXPECT_EQ(parse_error({"multipath", "-q", "2", "x"}), "-q is a single path option: say singlepath or drop it");
    EXPECT_EQ(parse_error({"forward", "reverse", "x"}), "two directions given, 'forward' and 'reverse': say one");
    EXPECT_EQ(parse_error({"forward", "udp", "singlepath", "x", "y"}),
              "two targets given, 'x' and 'y': trace one host at a time");
}

// One name per concept: --retries for both engines (--retry, the Augsburg name, is the same
// option), with each engine's default.
TEST(CommandLine, RetriesIsOneOptionWithEachEnginesDefault) {
    EXPECT_EQ(parsed({"x"}).retries, 1);
    EXPECT_EQ(parsed({"multipath", "x"}).retries, 3);
    EXPECT_EQ(parsed({"multipath", "--retries", "0", "x"}).retries, 0);
    EXPECT_EQ(parsed({"--retry", "2", "x"}).retries, 2);
    EXPECT_NE(parse_error({"--retries", "11", "x"}).find("out of range"), std::string::npos);
}

// The drawing is made when asked for, and -o NAME.FORMAT names it.
TEST(CommandLine, DrawsOnlyWhenAskedFor) {
    EXPECT_FALSE(parsed({"x"}).render);
    EXPECT_FALSE(parsed({"--store-json", "-o", "t", "x"}).render);
    EXPECT_TRUE(parsed({"-o", "t", "x"}).render);
    EXPECT_TRUE(parsed({"--store-json", "--format", "svg", "x"}).render);
    const auto named = parsed({"--store-json", "-o", "out/t.svg", "x"});
    EXPECT_TRUE(named.render);
    EXPECT_EQ(named.format, "svg");
    EXPECT_EQ(named.output_base, "out/t");
    EXPECT_EQ(parse_error({"-o", "t.svg", "--format", "png", "x"}),
              "-o t.svg and --format png name two formats: give one");
}

// Every usage line --help prints is a command the parser accepts.
TEST(CommandLine, EveryExampleInTheHelpParses) {
    const char* help[] = {"reverse-traceroute", "--help"};
    const auto text = std::get<ParseExit>(parse_command_line(2, help)).text;
    EXPECT_NE(text.find("-q,--probes"), std::string::npos);
    EXPECT_NE(text.find("--flow"), std::string::npos);
    EXPECT_NE(text.find("--confidence"), std::string::npos);
    std::size_t examples = 0;
    for (std::size_t at = text.find("\n  reverse-traceroute "); at != std::string::npos;
         at = text.find("\n  reverse-traceroute ", at + 1)) {
        const std::string line = text.substr(at + 3, text.find('\n', at + 1) - at - 3);
        std::vector<std::string> words;
        for (std::size_t i = 0, j; i < line.size(); i = j + 1) {
            j = line.find(' ', i);
            if (j == std::string::npos)
                j = line.size();
            words.push_back(line.substr(i, j - i));
        }
        std::vector<const char*> argv;
        argv.reserve(words.size());
        for (const auto& word : words)
            argv.push_back(word.c_str());
        EXPECT_TRUE(
            std::holds_alternative<ClientOptions>(parse_command_line(static_cast<int>(argv.size()), argv.data())))
            << line;
        ++examples;
    }
    EXPECT_GE(examples, 4u);
}

// Issue 16: typos in the config file were ignored without a word.
TEST(CommandLine, UnknownConfigKeysAreAnErrorNamingTheKey) {
    const std::string path = ::testing::TempDir() + "/rtt-config-test";
    const auto with_config = [&](const std::string& text, std::vector<const char*> args) {
        std::FILE* file = std::fopen(path.c_str(), "w");
        std::fputs(text.c_str(), file);
        std::fclose(file);
        args.insert(args.begin(), {"--config", path.c_str()});
        args.insert(args.begin(), "reverse-traceroute");
        return parse_command_line(static_cast<int>(args.size()), args.data());
    };
    const auto error = [&](const std::string& text) {
        const auto result = with_config(text, {"x"});
        return std::holds_alternative<ParseExit>(result) ? std::get<ParseExit>(result).text : "(parsed)";
    };
    EXPECT_EQ(error("max_ttl = 3\n"), "config file " + path + ": unknown key `max_ttl`: did you mean `max-ttl`?");
    EXPECT_EQ(error("maxttl = 3\n"), "config file " + path + ": unknown key `maxttl`: did you mean `max-ttl`?");
    EXPECT_NE(error("[multipath]\nflow = 3\n")
                  .find("`flow` in section [multipath] is not a multipath option: move "
                        "it to [singlepath]"),
              std::string::npos);
    EXPECT_NE(error("[bogus]\nmax-ttl = 3\n").find("unknown section [bogus]"), std::string::npos);
    EXPECT_NE(error("transmit = 1\n").find("cannot be set in a config file"), std::string::npos);
    // Known keys work, at the top and in the chosen engine's section; the other's is left out.
    const auto single = with_config("max-ttl = 7\n[multipath]\nconfidence = 0.2\n[singlepath]\nprobes = 4\n", {"x"});
    ASSERT_TRUE(std::holds_alternative<ClientOptions>(single));
    EXPECT_EQ(std::get<ClientOptions>(single).max_ttl, 7);
    EXPECT_EQ(std::get<ClientOptions>(single).probes_per_hop, 4);
    EXPECT_DOUBLE_EQ(std::get<ClientOptions>(single).confidence, 0.05);
    const auto multi = with_config("[multipath]\nconfidence = 0.2\n[singlepath]\nprobes = 4\n", {"multipath", "x"});
    ASSERT_TRUE(std::holds_alternative<ClientOptions>(multi));
    EXPECT_DOUBLE_EQ(std::get<ClientOptions>(multi).confidence, 0.2);
    EXPECT_EQ(std::get<ClientOptions>(multi).probes_per_hop, 3);
    std::remove(path.c_str());
}

// Issue 29: the GeoIP database is named on the command line or in the config file, and checked
// before any probe: a file that is missing or not a database is one sentence and exit status 2.
TEST(CommandLine, GeoipDatabaseIsCheckedBeforeTracing) {
    const std::string lab = std::string(RTT_GEOIP_TEST_DIR) + "/lab.mmdb";
    const char* good[] = {"reverse-traceroute", "-G", "--geoip", lab.c_str(), "x"};
    const auto parsed = parse_command_line(5, good);
    ASSERT_TRUE(std::holds_alternative<ClientOptions>(parsed));
    EXPECT_EQ(std::get<ClientOptions>(parsed).geoip, lab);
    EXPECT_TRUE(std::get<ClientOptions>(parsed).show_locations);

    const std::string path = ::testing::TempDir() + "/rtt-geoip-config-test";
    std::FILE* file = std::fopen(path.c_str(), "w");
    std::fputs("geoip = /nonexistent/GeoLite2-City.mmdb\n", file);
    std::fclose(file);
    const char* configured[] = {"reverse-traceroute", "--config", path.c_str(), "x"};
    const auto refused = parse_command_line(4, configured);
    ASSERT_TRUE(std::holds_alternative<ParseExit>(refused));
    EXPECT_EQ(std::get<ParseExit>(refused).exit_code, 2);
    EXPECT_NE(std::get<ParseExit>(refused).text.find("cannot open the GeoIP database /nonexistent/GeoLite2-City.mmdb"),
              std::string::npos)
        << std::get<ParseExit>(refused).text;
    std::remove(path.c_str());

    const char* not_a_database[] = {"reverse-traceroute", "--geoip", path.c_str(), "x"};
    std::FILE* text = std::fopen(path.c_str(), "w");
    std::fputs("this is not a database\n", text);
    std::fclose(text);
    const auto foreign = parse_command_line(4, not_a_database);
    ASSERT_TRUE(std::holds_alternative<ParseExit>(foreign));
    EXPECT_NE(std::get<ParseExit>(foreign).text.find("is not a usable MaxMind DB (.mmdb) file"), std::string::npos)
        << std::get<ParseExit>(foreign).text;
    std::remove(path.c_str());
}

TEST(CommandLine, TcpGoesToPort80UnlessToldAndMultipathMayFixTheDestinationPort) {
    const auto parse = [](std::vector<const char*> args) {
        args.insert(args.begin(), "reverse-traceroute");
        const auto result = parse_command_line(static_cast<int>(args.size()), args.data());
        EXPECT_TRUE(std::holds_alternative<ClientOptions>(result));
        return std::get<ClientOptions>(result);
    };
    EXPECT_EQ(parse({"forward", "tcp", "singlepath", "example.net"}).flow, 80);
    EXPECT_EQ(parse({"forward", "tcp", "singlepath", "--flow", "443", "example.net"}).flow, 443);
    EXPECT_EQ(parse({"forward", "udp", "singlepath", "example.net"}).flow, 33434);
    const auto fixed = parse({"two-way", "tcp", "multipath", "--destination-port", "443", "--trace-bound", "x"});
    EXPECT_EQ(fixed.destination_port, 443);
    EXPECT_TRUE(fixed.trace_bound);
    EXPECT_NE(parse_error({"forward", "icmp", "multipath", "--destination-port", "443", "x"}).find("ICMP has no ports"),
              std::string::npos);
    EXPECT_NE(
        parse_error({"reverse", "tcp", "multipath", "--destination-port", "443", "x"}).find("forward probes only"),
        std::string::npos);
    EXPECT_NE(parse_error({"forward", "tcp", "multipath", "--destination-port", "0", "x"}).find("out of range"),
              std::string::npos);
}

TEST(CommandLine, OneSentencePerBadInput) {
    EXPECT_EQ(parse_error({"sideways", "udp", "singlepath", "x"}),
              "unknown direction 'sideways': say forward, reverse or two-way");
    EXPECT_EQ(parse_error({"forward", "sctp", "singlepath", "x"}), "unknown protocol 'sctp': say tcp, udp or icmp");
    EXPECT_EQ(parse_error({"-f", "9", "-m", "3", "forward", "udp", "singlepath", "x"}),
              "first TTL 9 is above max TTL 3: give -f at most -m");
    EXPECT_EQ(parse_error({"-m", "0", "forward", "udp", "singlepath", "x"}),
              "max TTL 0 is out of range: give -m between 1 and 255");
    EXPECT_NE(parse_error({"forward", "udp", "singlepath"}).find("missing target"), std::string::npos);
    EXPECT_EQ(parse_error({"forward", "udp", "sideways", "x"}),
              "unknown engine 'sideways': say singlepath or multipath");
    EXPECT_EQ(parse_error({"-4", "-6", "forward", "udp", "singlepath", "x"}),
              "-4 and -6 exclude each other: give at most one");
    EXPECT_EQ(parse_error({"forward", "udp", "multipath", "--confidence", "2", "x"}),
              "--confidence 2 is out of range: give a failure probability between 0 and 1");
    EXPECT_EQ(parse_error({"forward", "udp", "multipath", "--min-share", "0.7", "x"}),
              "--min-share 0.7 is out of range: give a share above 0 and at most 0.5");
    EXPECT_EQ(parse_error({"forward", "udp", "multipath", "--min-share", "0", "x"}),
              "--min-share 0 is out of range: give a share above 0 and at most 0.5");
    EXPECT_EQ(parsed({"forward", "udp", "multipath", "--min-share", "0.1", "x"}).min_share, 0.1);
    EXPECT_EQ(parsed({"forward", "udp", "multipath", "x"}).min_share, 0.0);
    EXPECT_EQ(parse_error({"reverse", "udp", "multipath", "--per-destination", "x"}),
              "--per-destination traces other addresses beside the target forward (a server probes only its "
              "client's address): trace forward or two-way multipath");
    EXPECT_EQ(parse_error({"forward", "udp", "singlepath", "--per-destination", "x"}),
              "--per-destination is a multipath option: say multipath or drop it");
    EXPECT_EQ(parse_error({"two-way", "udp", "multipath", "--per-destination", "-c", "3", "x"}),
              "--per-destination works on a trace's discovery, not on rounds: drop -c and --live");
    EXPECT_TRUE(parsed({"two-way", "udp", "multipath", "--per-destination", "x"}).per_destination);
    EXPECT_FALSE(parsed({"forward", "udp", "multipath", "x"}).per_destination);
    // As many other addresses as flows rule out a second successor: n_1 of the stopping points.
    EXPECT_EQ(trace_settings(parsed({"forward", "udp", "multipath", "--per-destination", "x"}), 10000).per_destination,
              6u);
    EXPECT_EQ(
        trace_settings(parsed({"forward", "udp", "multipath", "--per-destination", "--min-share", "0.1", "x"}), 10000)
            .per_destination,
        50u);
    EXPECT_EQ(trace_settings(parsed({"forward", "udp", "multipath", "x"}), 10000).per_destination, 0u);
    EXPECT_EQ(measurement_parameters(parsed({"forward", "udp", "multipath", "--per-destination", "x"})).per_destination,
              6);
    EXPECT_EQ(parse_error({"forward", "udp", "multipath", "--max-probes", "10", "x"}),
              "--max-probes 10 is out of range: give 50 to 1000000");
    EXPECT_EQ(parse_error({"forward", "udp", "multipath", "--first-flow", "5", "x"}),
              "--first-flow 5 is out of range: give 10000 to 65534");
    EXPECT_EQ(parse_error({"forward", "udp", "multipath", "--min-burst", "30", "--max-burst", "20", "x"}),
              "bursts 30..20 are invalid: give 1 <= --min-burst <= --max-burst");
    EXPECT_EQ(parse_error({"--deadline", "0", "forward", "udp", "singlepath", "x"}),
              "--deadline 0 s is out of range: give 1 to 86400 seconds");
    // Issue 25: the ranges are checked where the options are declared, with the same sentences.
    EXPECT_EQ(parse_error({"-q", "abc", "x"}), "--probes takes a number, not 'abc' (see `reverse-traceroute --help`)");
    EXPECT_EQ(parse_error({"--log-level", "loud", "x"}), "unknown log level 'loud': say debug, info, warning or error");
    EXPECT_EQ(parse_error({"--format", "bmp", "x"}),
              "unknown format 'bmp': give one of dot, gif, jpg, pdf, png, ps, svg, geojson");
    EXPECT_EQ(parse_error({"-q", "11", "x"}), "11 probes per hop is out of range: give -q between 1 and 10");
    EXPECT_EQ(parse_error({"-N", "0", "x"}), "-N 0 is out of range: give 1 to 1024 probes in flight");
    EXPECT_EQ(parse_error({"--interval", "0.01", "-c", "2", "x"}),
              "--interval 0.01 s is out of range: give 0.1 to 3600 seconds");
    EXPECT_EQ(parse_error({"-w", "61", "x"}), "timeout 61 s is out of range: give -w between 0 and 60 seconds");
}

// Issue 26: the traceroute and mtr letters people type, and the sentences for near misses.
TEST(CommandLine, TracerouteAndMtrHabits) {
    EXPECT_EQ(parsed({"-I", "x"}).protocol, Protocol::icmp);
    EXPECT_EQ(parsed({"-T", "forward", "x"}).protocol, Protocol::tcp);
    EXPECT_EQ(parsed({"-T", "x"}).flow, 80);
    EXPECT_EQ(parsed({"-U", "udp", "x"}).protocol, Protocol::udp);
    EXPECT_EQ(parse_error({"-I", "tcp", "x"}), "two protocols given, -I and 'tcp': say one");
    EXPECT_EQ(parse_error({"-I", "-T", "x"}), "-I, -T and -U each choose the probe protocol: give one");
    EXPECT_EQ(parsed({"-T", "-p", "443", "x"}).flow, 443);
    EXPECT_EQ(parsed({"-p", "53", "x"}).flow, 53);
    EXPECT_EQ(parsed({"-T", "-p", "443", "forward", "multipath", "x"}).destination_port, 443);
    EXPECT_EQ(parse_error({"-I", "-p", "80", "x"}),
              "-p names a port, and ICMP probes have none: trace udp or tcp, or drop -p");
    EXPECT_EQ(parse_error({"-p", "0", "x"}), "-p 0 is out of range: give a port from 1 to 65535");
    EXPECT_EQ(parsed({"-r", "x"}).count, 10);
    EXPECT_EQ(parsed({"--report", "-c", "3", "x"}).count, 3);
    EXPECT_TRUE(parsed({"-j", "x"}).json);
    const auto adaptive = parsed({"-w", "5,2,8", "x"});
    EXPECT_DOUBLE_EQ(adaptive.timeout_s, 5);
    EXPECT_DOUBLE_EQ(adaptive.wait_here, 2);
    EXPECT_DOUBLE_EQ(adaptive.wait_near, 8);
    EXPECT_DOUBLE_EQ(parsed({"-w", "1.5", "x"}).timeout_s, 1.5);
    EXPECT_DOUBLE_EQ(parsed({"-w", "1.5", "x"}).wait_near, 10);
    EXPECT_NE(parse_error({"-w", "5,2", "x"}).find("-w 5,2 is not a wait"), std::string::npos);
    EXPECT_NE(parse_error({"-w", "soon", "x"}).find("-w soon is not a wait"), std::string::npos);
    EXPECT_EQ(parse_error({"--maxttl", "5", "x"}),
              "unknown option --maxttl: did you mean --max-ttl? (see `reverse-traceroute --help`)");
    EXPECT_EQ(parse_error({"--probs", "5", "x"}),
              "unknown option --probs: did you mean --probes? (see `reverse-traceroute --help`)");
    EXPECT_EQ(parse_error({"-Y", "x"}), "unknown option -Y (see `reverse-traceroute --help`)");
    EXPECT_EQ(parse_error({"--transmit", "127.0.0.1:8080", "x"}),
              "--transmit takes a collector's URL: write --transmit http://127.0.0.1:8080");
    EXPECT_EQ(parse_error({"--transmit", "[2001:db8::1]:8080", "x"}),
              "--transmit takes a collector's URL: write --transmit http://[2001:db8::1]:8080");
    // An IPv6 target after --transmit stays the target.
    EXPECT_EQ(parsed({"--transmit", "2001:db8::1"}).target, "2001:db8::1");
    // The struct's defaults are the command line's: two-way udp singlepath.
    EXPECT_EQ(ClientOptions{}.direction, Direction::two_way);
}

// Issue 26: -o t.json wrote t.json.pdf, -o r.json --store-json wrote r.json.json.
TEST(CommandLine, AKnownExtensionChoosesTheFileAndIsNotDoubled) {
    const auto json = parsed({"-o", "t.json", "x"});
    EXPECT_TRUE(json.store_json);
    EXPECT_FALSE(json.render);
    EXPECT_EQ(json.output_base, "t");
    const auto both = parsed({"-o", "r.json", "--store-json", "x"});
    EXPECT_TRUE(both.store_json);
    EXPECT_EQ(both.output_base, "r");
    const auto drawing = parsed({"-o", "g.svg", "x"});
    EXPECT_TRUE(drawing.render);
    EXPECT_FALSE(drawing.store_json);
    EXPECT_EQ(drawing.output_base, "g");
}

// Issue 16: trace.json was overwritten silently and an unwritable path noticed only after the
// trace. Files that exist are kept (a numbered base is chosen), --force overwrites, and a
// directory that cannot take them is one sentence before probing.
TEST(OutputPaths, ExistingFilesAreKeptAndBadDirectoriesRefusedBeforeProbing) {
    const std::string dir = ::testing::TempDir() + "/rtt-output-paths";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    ClientOptions o = parsed({"--store-json", "-o", "x", "host"});
    o.output_base = dir + "/trace";
    EXPECT_EQ(plan_output_paths(o).json, dir + "/trace.json");
    std::ofstream(dir + "/trace.json") << "{}";
    const auto numbered = plan_output_paths(o);
    EXPECT_EQ(numbered.json, dir + "/trace-1.json");
    EXPECT_EQ(numbered.renamed_from, dir + "/trace");
    o.force = true;
    EXPECT_EQ(plan_output_paths(o).json, dir + "/trace.json");
    o.output_base = dir + "/missing/trace";
    try {
        plan_output_paths(o);
        ADD_FAILURE() << "a missing directory was accepted";
    } catch (const ClientError& e) {
        EXPECT_NE(std::string(e.what()).find("does not exist; create it or give another -o"), std::string::npos)
            << e.what();
    }
    std::filesystem::remove_all(dir);
}

// -A: the TXT owner names Team Cymru answers, and the AS numbers in their records.
TEST(OriginAs, QueryNamesAndRecords) {
    EXPECT_EQ(origin_as_query_name(*IpAddress::parse("198.18.1.2")), "2.1.18.198.origin.asn.cymru.com");
    EXPECT_EQ(origin_as_query_name(*IpAddress::parse("2001:db8::1")),
              "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.origin6.asn.cymru.com");
    EXPECT_EQ(parse_origin_as("64500 | 198.18.0.0/15 | ZZ | lab | 2026-12-01"), std::vector<std::uint32_t>{64500});
    EXPECT_EQ(parse_origin_as("64500 64501 | 198.18.0.0/15 | ZZ"), (std::vector<std::uint32_t>{64500, 64501}));
    EXPECT_EQ(parse_origin_as("4294967295"), std::vector<std::uint32_t>{4294967295u});
    EXPECT_TRUE(parse_origin_as("4294967296 | x").empty());
    EXPECT_TRUE(parse_origin_as("AS64500 | x").empty());
    EXPECT_TRUE(parse_origin_as("").empty());
    EXPECT_TRUE(parse_origin_as("99999999999999999999").empty());
    // A whole answer as dnsmasq sends it (tests/fuzz/regressions/dns_answer/two-origins).
    std::vector<unsigned char> answer = {0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0};
    for (const std::string label : {"2", "1", "18", "198", "origin", "asn", "cymru", "com"}) {
        answer.push_back(static_cast<unsigned char>(label.size()));
        answer.insert(answer.end(), label.begin(), label.end());
    }
    const std::string txt = "64500 64501 | 198.18.0.0/15 | ZZ | lab | 2026-12-01";
    for (const int byte : {0, 0, 16, 0, 1, 0xc0, 0x0c, 0, 16, 0, 1, 0, 0, 0, 60, 0})
        answer.push_back(static_cast<unsigned char>(byte));
    answer.push_back(static_cast<unsigned char>(txt.size() + 1));
    answer.push_back(static_cast<unsigned char>(txt.size()));
    answer.insert(answer.end(), txt.begin(), txt.end());
    EXPECT_EQ(origin_as_from_answer(answer), (std::vector<std::uint32_t>{64500, 64501}));
    answer.resize(answer.size() - 10);  // cut short: no numbers, no crash
    EXPECT_TRUE(origin_as_from_answer(answer).empty());
}

// Target names: .invalid never resolves (RFC 6761); a family mismatch is named.
TEST(Endpoints, UnresolvableNameAndFamilyMismatchGetOneSentence) {
    try {
        resolve_target("no-such-host.invalid", std::nullopt);
        FAIL() << "resolved a .invalid name";
    } catch (const ClientError& e) {
        EXPECT_NE(std::string(e.what()).find("cannot resolve 'no-such-host.invalid'"), std::string::npos) << e.what();
    }
    try {
        resolve_target("2001:db8::1", Family::v4);
        FAIL() << "accepted an IPv6 target with -4";
    } catch (const ClientError& e) {
        EXPECT_EQ(std::string(e.what()),
                  "2001:db8::1 is an IPv6 address but IPv4 was asked for: drop -4 or give an IPv4 target");
    }
}

}  // namespace
}  // namespace rtt::client
