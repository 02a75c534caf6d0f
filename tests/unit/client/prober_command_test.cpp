// SPDX-License-Identifier: MIT
// The prober's command lines (client/service/prober_command): what is taken, and every refusal
// in one sentence, hostile targets and option names included.
#include <gtest/gtest.h>

#include "service/prober_command.h"

namespace rtt::client {
namespace {

std::string refusal(const std::string& line) {
    try {
        parse_prober_command(line);
    } catch (const ProberCommandError& error) {
        return error.what();
    }
    return "(taken)";
}

TEST(ProberCommand, ATraceTakesTheClientsWordsAndOptionNames) {
    const auto command = parse_prober_command(
        R"({"v":1,"command":"trace","id":"t1","target":"198.18.6.2","direction":"forward","protocol":"tcp",)"
        R"("engine":"multipath","options":{"max-ttl":12,"confidence":0.01,"trace-bound":true,"no-resolve":true}})");
    EXPECT_EQ(command.kind, ProberCommand::Kind::trace);
    EXPECT_EQ(command.id, "t1");
    EXPECT_EQ(command.options.target, "198.18.6.2");
    EXPECT_EQ(command.options.direction, Direction::forward);
    EXPECT_EQ(command.options.protocol, Protocol::tcp);
    EXPECT_EQ(command.options.engine, EngineKind::multipath);
    EXPECT_EQ(command.options.max_ttl, 12);
    EXPECT_DOUBLE_EQ(command.options.confidence, 0.01);
    EXPECT_TRUE(command.options.trace_bound);
    EXPECT_TRUE(command.options.no_resolve);
}

TEST(ProberCommand, DefaultsAreTheCommandLines) {
    const auto command = parse_prober_command(R"({"v":1,"command":"trace","id":"a","target":"2001:db8:4::2"})");
    EXPECT_EQ(command.options.direction, Direction::two_way);
    EXPECT_EQ(command.options.protocol, Protocol::udp);
    EXPECT_EQ(command.options.engine, EngineKind::singlepath);
}

TEST(ProberCommand, AProbeIsOneTtlOfOneFlow) {
    const auto command = parse_prober_command(
        R"({"v":1,"command":"probe","id":"p","target":"198.18.6.2","direction":"forward","ttl":3,"options":{"flow":33500}})");
    EXPECT_EQ(command.kind, ProberCommand::Kind::probe);
    EXPECT_EQ(command.ttl, 3);
    EXPECT_EQ(command.options.first_ttl, 3);
    EXPECT_EQ(command.options.max_ttl, 3);
    EXPECT_EQ(command.options.flow, 33500);
    // Unless the command says otherwise: one probe, forward (the client's default is two-way).
    const auto plain =
        parse_prober_command(R"({"v":1,"command":"probe","id":"p","target":"198.18.6.2","protocol":"tcp","ttl":2})");
    EXPECT_EQ(plain.options.direction, Direction::forward);
    EXPECT_EQ(plain.options.protocol, Protocol::tcp);
    EXPECT_EQ(plain.options.probes_per_hop, 1);
    const auto three = parse_prober_command(
        R"({"v":1,"command":"probe","id":"p","target":"198.18.6.2","direction":"reverse","ttl":2,"options":{"probes":3}})");
    EXPECT_EQ(three.options.direction, Direction::reverse);
    EXPECT_EQ(three.options.probes_per_hop, 3);
    EXPECT_EQ(refusal(R"({"v":1,"command":"probe","id":"p","target":"198.18.6.2"})"),
              "a probe needs \"ttl\", a whole number from 1 to 255");
    EXPECT_EQ(refusal(R"({"v":1,"command":"probe","id":"p","target":"198.18.6.2","ttl":3,"engine":"multipath"})"),
              "a probe follows one flow: say \"engine\": \"singlepath\" or leave it out");
}

TEST(ProberCommand, CancelAndShutdown) {
    EXPECT_EQ(parse_prober_command(R"({"v":1,"command":"cancel","id":"t1"})").kind, ProberCommand::Kind::cancel);
    EXPECT_EQ(parse_prober_command(R"({"v":1,"command":"shutdown"})").kind, ProberCommand::Kind::shutdown);
}

TEST(ProberCommand, MalformedLinesAreRefusedInOneSentence) {
    EXPECT_EQ(refusal("not json"),
              "the line is not a JSON object: send one command per line, e.g. "
              "{\"v\":1,\"command\":\"shutdown\"}");
    EXPECT_EQ(refusal("[1,2]"), refusal("not json"));
    EXPECT_EQ(refusal(R"({"command":"shutdown"})"), "\"v\" must be 1: this prober speaks version 1 of the protocol");
    EXPECT_EQ(refusal(R"({"v":2,"command":"shutdown"})"), refusal(R"({"command":"shutdown"})"));
    EXPECT_EQ(refusal(R"({"v":1,"command":"reboot"})"),
              "unknown command \"reboot\": say trace, probe, cancel or shutdown");
    EXPECT_EQ(refusal(R"({"v":1,"command":"shutdown","now":true})"), "unknown field \"now\"");
    EXPECT_EQ(refusal(R"({"v":1,"command":"cancel"})"), "the command has no \"id\": add it");
    EXPECT_EQ(refusal(R"({"v":1,"command":"cancel","id":"a b"})"),
              "\"id\" must be 1 to 64 letters, digits, dots, hyphens or underscores");
    EXPECT_EQ(refusal(std::string(kMaxProberCommandBytes + 1, ' ')),
              "the command is longer than 65536 bytes: send one command per line");
}

TEST(ProberCommand, HostileTargetsNeverReachAParser) {
    for (const char* target : {"-o /etc/passwd", "$(reboot)", "; id", "--help", "a b", ""})
        EXPECT_EQ(refusal(std::string(R"({"v":1,"command":"trace","id":"t","target":")") + target + "\"}"),
                  std::string("\"") + target + "\" is not a host name or address")
            << target;
}

TEST(ProberCommand, OptionsAreCheckedAsOnTheCommandLine) {
    const auto with = [](const std::string& options) {
        return refusal(R"({"v":1,"command":"trace","id":"t","target":"198.18.6.2","options":)" + options + "}");
    };
    // The same sentence the command line gives for --max-ttl 300.
    const char* argv[] = {"reverse-traceroute", "--max-ttl", "300", "198.18.6.2"};
    const auto cli = parse_command_line(4, argv);
    ASSERT_TRUE(std::holds_alternative<ParseExit>(cli));
    std::string sentence = std::get<ParseExit>(cli).text;
    while (!sentence.empty() && sentence.back() == '\n')
        sentence.pop_back();
    EXPECT_EQ(with(R"({"max-ttl":300})"), sentence);
    EXPECT_EQ(with(R"({"output":"/etc/passwd"})"),
              "--output is not for the prober: it sends every result as an event on its output");
    EXPECT_EQ(with(R"({"transmit":true})"),
              "--transmit is not for the prober: it sends every result as an event on its output");
    // Issue 29: the prober's operator chooses the GeoIP database; a party naming one would have
    // the prober open any file it likes.
    EXPECT_EQ(with(R"({"geoip":"/etc/shadow"})"),
              "--geoip is not for a trace: the prober places hops with the database its operator gave it "
              "(reverse-traceroute-prober --geoip)");
    EXPECT_EQ(with(R"({"show-locations":true})"),
              "--show-locations is not for a trace: the prober places hops with the database its operator gave it "
              "(reverse-traceroute-prober --geoip)");
    EXPECT_EQ(with(R"({"payload":"@/etc/shadow"})"),
              "--payload @FILE is not for the prober: give the payload as hex digits");
    EXPECT_EQ(with(R"({"banner":3})"),
              "--banner is not for the prober: its traces send probes only "
              "(reverse-traceroute --banner makes the connection)");
    EXPECT_EQ(with(R"({"mtu":true})"), "--mtu is not for the prober yet: run reverse-traceroute --mtu");
    EXPECT_EQ(with(R"({"payload":"48454c4c4f","size":100,"tos":184})"), "(taken)");
    EXPECT_EQ(with(R"({"--max-ttl":3})"),
              "\"--max-ttl\" is not an option name: give it without dashes, e.g. \"max-ttl\"");
    EXPECT_EQ(with(R"({"max-ttl":[1]})"), "the value of \"max-ttl\" must be a number, a string or true/false");
    EXPECT_EQ(with("[]"), "\"options\" must be an object of option names and values");
    EXPECT_NE(with(R"({"no-such-option":1})"), "(taken)");
}

TEST(ProberCommand, RoundsAreTakenTheLiveViewIsNot) {
    const auto command = parse_prober_command(
        R"({"v":1,"command":"trace","id":"r","target":"198.18.6.2","options":{"count":5,"interval":0.5}})");
    EXPECT_EQ(command.options.count, 5);
    EXPECT_DOUBLE_EQ(command.options.interval_s, 0.5);
    // As on the command line: the default deadline covers the rounds asked for.
    EXPECT_GE(command.options.deadline_s, 5 * 0.5);
    EXPECT_EQ(
        parse_prober_command(R"({"v":1,"command":"trace","id":"r","target":"198.18.6.2","options":{"report":true}})")
            .options.count,
        10);
    const auto with = [](const std::string& rest) {
        return refusal(R"({"v":1,"command":"trace","id":"t","target":"198.18.6.2",)" + rest + "}");
    };
    EXPECT_EQ(with(R"("options":{"live":true})"),
              "--live is not for the prober: it sends every result as an event on its output");
    // The client runs a multipath report; the prober has no events for one yet and says so.
    const char* argv[] = {"reverse-traceroute", "multipath", "-c", "3", "198.18.6.2"};
    EXPECT_TRUE(std::holds_alternative<ClientOptions>(parse_command_line(5, argv)));
    EXPECT_EQ(with(R"("engine":"multipath","options":{"count":3})"),
              "the prober runs rounds (\"count\") over one flow only, not over a multipath graph: trace singlepath, "
              "or drop \"count\"");
    EXPECT_EQ(with(R"("options":{"interval":0.01})"), "--interval 0.01 s is out of range: give 0.1 to 3600 seconds");
}

}  // namespace
}  // namespace rtt::client
