// SPDX-License-Identifier: MIT
#include "prober_command.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "host_like.h"

namespace rtt::client {
namespace {

// Options that write files, send measurements elsewhere, need a terminal or change what the
// prober prints: the prober sends its results as events, and nothing else.
const std::set<std::string, std::less<>> kRefusedOptions{
    "output",    "json", "store-json", "transmit", "collector",       "live",      "format", "force", "verbose",
    "log-level", "help", "version",    "yes",      "resolve-aliases", "endpoints", "config"};

// Options a party may not give, each with its own reason: the prober's operator chooses the
// GeoIP database (a party naming one would have it open any file), a banner is a connection
// and not a probe, and path MTU discovery has no event stream of its own yet.
const std::map<std::string, std::string, std::less<>> kRefusedWithReason{
    {"geoip",
     "--geoip is not for a trace: the prober places hops with the database its operator gave it "
     "(reverse-traceroute-prober --geoip)"},
    {"show-locations",
     "--show-locations is not for a trace: the prober places hops with the database its operator gave it "
     "(reverse-traceroute-prober --geoip)"},
    {"banner",
     "--banner is not for the prober: its traces send probes only (reverse-traceroute --banner makes the "
     "connection)"},
    {"mtu", "--mtu is not for the prober yet: run reverse-traceroute --mtu"},
};

const std::set<std::string, std::less<>> kFields{"v",        "command", "id",      "target", "direction",
                                                 "protocol", "engine",  "options", "ttl",    "server"};

bool id_like(std::string_view id) {
    return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
               c == '_';
    });
}

std::string text_field(const nlohmann::json& command, const char* name) {
    const auto found = command.find(name);
    if (found == command.end())
        throw ProberCommandError(fmt::format("the command has no \"{}\": add it", name));
    if (!found->is_string())
        throw ProberCommandError(fmt::format("\"{}\" must be a string", name));
    return found->get<std::string>();
}

// The command line the client would be given for this trace.
std::vector<std::string> command_line(const nlohmann::json& command, const std::string& target) {
    std::vector<std::string> words{"reverse-traceroute"};
    for (const char* word : {"direction", "protocol", "engine"})
        if (command.contains(word))
            words.push_back(text_field(command, word));
    if (const auto options = command.find("options"); options != command.end()) {
        if (!options->is_object())
            throw ProberCommandError("\"options\" must be an object of option names and values");
        for (const auto& [name, value] : options->items()) {
            if (const auto why = kRefusedWithReason.find(name); why != kRefusedWithReason.end())
                throw ProberCommandError(why->second);
            // A party must not have the prober read a file of its choosing.
            if (name == "payload" && value.is_string() && value.get<std::string>().rfind('@', 0) == 0)
                throw ProberCommandError("--payload @FILE is not for the prober: give the payload as hex digits");
            if (kRefusedOptions.count(name))
                throw ProberCommandError(
                    fmt::format("--{} is not for the prober: it sends every result as an event on its output", name));
            if (name.empty() || name.front() == '-' || !id_like(name))
                throw ProberCommandError(
                    fmt::format("\"{}\" is not an option name: give it without dashes, "
                                "e.g. \"max-ttl\"",
                                name.substr(0, 40)));
            if (value.is_boolean()) {
                if (value.get<bool>())
                    words.push_back("--" + name);
            } else if (value.is_number_integer() || value.is_number_float()) {
                words.push_back("--" + name);
                words.push_back(value.dump());
            } else if (value.is_string()) {
                words.push_back("--" + name);
                words.push_back(value.get<std::string>());
            } else {
                throw ProberCommandError(
                    fmt::format("the value of \"{}\" must be a number, a string or true/false", name));
            }
        }
    }
    words.push_back(target);
    return words;
}

ClientOptions parse_options(const std::vector<std::string>& words) {
    std::vector<const char*> argv;
    argv.reserve(words.size());
    for (const auto& word : words)
        argv.push_back(word.c_str());
    auto parsed = parse_command_line(static_cast<int>(argv.size()), argv.data());
    if (auto* exit = std::get_if<ParseExit>(&parsed)) {
        std::string sentence = exit->text;
        while (!sentence.empty() && sentence.back() == '\n')
            sentence.pop_back();
        throw ProberCommandError(sentence.empty() ? "the options were refused" : sentence);
    }
    return std::get<ClientOptions>(parsed);
}

}  // namespace

ProberCommand parse_prober_command(std::string_view line) {
    if (line.size() > kMaxProberCommandBytes)
        throw ProberCommandError(
            fmt::format("the command is longer than {} bytes: send one command per line", kMaxProberCommandBytes));
    const auto command = nlohmann::json::parse(line, nullptr, false);
    if (command.is_discarded() || !command.is_object())
        throw ProberCommandError(
            "the line is not a JSON object: send one command per line, e.g. "
            "{\"v\":1,\"command\":\"shutdown\"}");
    for (const auto& [name, value] : command.items())
        if (!kFields.count(name))
            throw ProberCommandError(fmt::format("unknown field \"{}\"", name.substr(0, 40)));
    if (!command.contains("v") || command["v"] != kProberProtocolVersion)
        throw ProberCommandError(fmt::format("\"v\" must be {}: this prober speaks version {} of the protocol",
                                             kProberProtocolVersion, kProberProtocolVersion));
    const std::string name = text_field(command, "command");
    ProberCommand parsed;
    if (name == "shutdown")
        return parsed;
    if (name != "trace" && name != "probe" && name != "cancel")
        throw ProberCommandError(
            fmt::format("unknown command \"{}\": say trace, probe, cancel or shutdown", name.substr(0, 40)));
    parsed.id = text_field(command, "id");
    if (!id_like(parsed.id))
        throw ProberCommandError("\"id\" must be 1 to 64 letters, digits, dots, hyphens or underscores");
    if (name == "cancel") {
        parsed.kind = ProberCommand::Kind::cancel;
        return parsed;
    }
    const std::string target = text_field(command, "target");
    if (!host_like(target))
        throw ProberCommandError(fmt::format("\"{}\" is not a host name or address", target.substr(0, 80)));
    std::vector<std::string> words = command_line(command, target);
    if (command.contains("server")) {
        parsed.server = text_field(command, "server");
        if (!host_like(parsed.server))
            throw ProberCommandError(
                fmt::format("server \"{}\" is not a host name or address", parsed.server.substr(0, 80)));
        const std::string direction = command.contains("direction") ? text_field(command, "direction")
                                      : name == "probe"             ? "forward"
                                                                    : "two-way";
        if (direction == "forward")
            throw ProberCommandError(
                "\"server\" names where the reverse half is traced from: give \"direction\": \"reverse\" or "
                "\"two-way\", or leave it out");
    }
    if (name == "probe") {
        parsed.kind = ProberCommand::Kind::probe;
        const auto ttl = command.find("ttl");
        if (ttl == command.end() || !ttl->is_number_integer() || *ttl < 1 || *ttl > 255)
            throw ProberCommandError("a probe needs \"ttl\", a whole number from 1 to 255");
        parsed.ttl = ttl->get<int>();
        if (command.contains("engine") && command["engine"] != "singlepath")
            throw ProberCommandError("a probe follows one flow: say \"engine\": \"singlepath\" or leave it out");
        // One TTL, as potraceroute's probe(ttl): the first and last TTL of a single path trace,
        // one probe and forward unless the command says otherwise.
        words.insert(words.end() - 1,
                     {"--first-ttl", std::to_string(parsed.ttl), "--max-ttl", std::to_string(parsed.ttl)});
        const auto options = command.find("options");
        if (options == command.end() || !options->is_object() ||
            (!options->contains("probes") && !options->contains("q")))
            words.insert(words.end() - 1, {"--probes", "1"});
        if (!command.contains("direction"))
            words.insert(words.begin() + 1, "forward");
    } else {
        parsed.kind = ProberCommand::Kind::trace;
        if (command.contains("ttl"))
            throw ProberCommandError("\"ttl\" is for a probe: a trace takes --first-ttl and --max-ttl in \"options\"");
    }
    parsed.options = parse_options(words);
    // The client's multipath report (rounds over every vertex) has no events of its own yet.
    if (parsed.options.count > 0 && parsed.options.engine == EngineKind::multipath)
        throw ProberCommandError(
            "the prober runs rounds (\"count\") over one flow only, not over a multipath graph: trace singlepath, "
            "or drop \"count\"");
    return parsed;
}

}  // namespace rtt::client
