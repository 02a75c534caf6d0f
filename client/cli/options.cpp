// SPDX-License-Identifier: MIT
#include "options.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <CLI/CLI.hpp>

#include "cli/name_suggestion.h"
#include "cli/probe_shape_options.h"
#include "cli/user_config.h"
#include "cli_documents.h"
#include "client_error.h"
#include "measurement/geoip_database.h"
#include "measurement/geojson_export.h"
#include "measurement/graph_render.h"
#include "net/endpoint_list.h"
#include "rtt_version.h"

namespace rtt::client {
namespace {

constexpr const char* kUsageHint = "see `reverse-traceroute --help`";

std::optional<Direction> parse_direction(const std::string& word) {
    if (word == "forward")
        return Direction::forward;
    if (word == "reverse")
        return Direction::reverse;
    if (word == "two-way")
        return Direction::two_way;
    return std::nullopt;
}

std::optional<Protocol> parse_protocol(const std::string& word) {
    if (word == "udp")
        return Protocol::udp;
    if (word == "tcp")
        return Protocol::tcp;
    if (word == "icmp")
        return Protocol::icmp;
    return std::nullopt;
}

// A check where the option is declared: `fits` decides on the value as written, and the sentence
// (with {} for the value) says what is wrong and the range to give. A value that is not a number
// passes here and gets CLI11's conversion error.
template <typename T>
CLI::Validator value_check(std::function<bool(T)> fits, std::string sentence) {
    return CLI::Validator(
        [fits = std::move(fits), sentence = std::move(sentence)](std::string& text) -> std::string {
            T value{};
            if (!CLI::detail::lexical_cast(text, value) || fits(value))
                return {};
            return fmt::format(fmt::runtime(sentence), value);
        },
        "");
}

template <typename T>
CLI::Validator between(T low, T high, std::string sentence) {
    return value_check<T>([low, high](T value) { return value >= low && value <= high; }, std::move(sentence));
}

CLI::Validator one_of(const std::vector<std::string>& names, std::string sentence) {
    return value_check<std::string>(
        [names](const std::string& value) { return std::find(names.begin(), names.end(), value) != names.end(); },
        std::move(sentence));
}

// What --format takes: Graphviz's formats, and GeoJSON for the located hops.
const std::vector<std::string>& drawing_formats() {
    static const std::vector<std::string> formats = [] {
        auto all = graph_formats();
        all.emplace_back(kGeoJsonFormat);
        return all;
    }();
    return formats;
}

// The GeoIP database named or found, checked before any probe is sent; the sentence if it
// cannot be used.
std::optional<std::string> check_geoip(const ClientOptions& o) {
    if (!o.geoip.empty()) {
        try {
            const GeoIpDatabase database(o.geoip);
        } catch (const MeasurementError& e) {
            return e.what();
        }
    } else if ((o.show_locations || (o.render && o.format == kGeoJsonFormat)) && !find_geoip_database()) {
        return fmt::format(
            "{} needs a GeoIP database and none is in /usr/share/GeoIP or /var/lib/GeoIP: give one "
            "with --geoip FILE (the README says where to get a free one)",
            o.show_locations ? "-G" : "--format geojson");
    }
    return std::nullopt;
}

// Checks that need more than one option at a time; returns the sentence for the user.
std::optional<std::string> validate(const ClientOptions& o) {
    if (o.first_ttl > o.max_ttl)
        return fmt::format("first TTL {} is above max TTL {}: give -f at most -m", o.first_ttl, o.max_ttl);
    if (o.max_in_flight < o.probes_per_hop)
        return fmt::format("-N {} is below -q {}: allow at least one hop's probes in flight", o.max_in_flight,
                           o.probes_per_hop);
    if (o.resolve_aliases && o.direction != Direction::two_way)
        return std::string("--resolve-aliases needs both directions: trace two-way");
    if (o.destination_port && o.protocol == Protocol::icmp)
        return std::string("--destination-port needs udp or tcp probes: ICMP has no ports");
    if (o.destination_port && o.direction == Direction::reverse)
        return std::string(
            "--destination-port works on forward probes only (a server's probe carries one flow, its destination "
            "port): trace forward or two-way");
    if (o.direction == Direction::reverse && (o.payload || o.size > 0 || o.tos > 0))
        return std::string(
            "--payload, --size and -t shape forward probes only (the server builds the reverse probes and a request "
            "carries none of them): trace forward or two-way");
    if (o.path_mtu && o.direction == Direction::reverse)
        return std::string(
            "--mtu probes forward (a reverse request cannot ask the server for a probe size): trace forward or "
            "two-way");
    if (o.path_mtu && o.size > 0)
        return std::string("--mtu finds the probe size itself: drop --size");
    if (o.path_mtu && (o.count > 0 || o.live))
        return std::string("--mtu is one pass over the path: drop -c and --live");
    if (o.banner_s > 0 && (o.protocol != Protocol::tcp || o.direction == Direction::reverse))
        return std::string("--banner connects to the port a forward TCP trace reached: trace tcp forward or two-way");
    if (o.banner_s > 0 && o.engine == EngineKind::multipath && !o.destination_port)
        return std::string(
            "--banner needs one port, and multipath TCP flows vary the destination port unless told: give -p PORT");
    if (o.per_destination && o.direction == Direction::reverse)
        return std::string(
            "--per-destination traces other addresses beside the target forward (a server probes only its "
            "client's address): trace forward or two-way multipath");
    if (o.per_destination && (o.count > 0 || o.live))
        return std::string("--per-destination works on a trace's discovery, not on rounds: drop -c and --live");
    if (o.min_burst < 1 || o.max_burst < o.min_burst)
        return fmt::format("bursts {}..{} are invalid: give 1 <= --min-burst <= --max-burst", o.min_burst, o.max_burst);
    return std::nullopt;
}

constexpr const char* kSinglePathGroup = "Single path (singlepath)";
constexpr const char* kMultipathGroup = "Multipath (multipath)";

std::optional<EngineKind> parse_engine(const std::string& word) {
    if (word == "singlepath")
        return EngineKind::singlepath;
    if (word == "multipath")
        return EngineKind::multipath;
    return std::nullopt;
}

// The positional words in any order: at most one direction, protocol and engine (each left out
// takes its default: two-way udp singlepath) and exactly one target. Returns the sentence for
// the user when they do not fit.
std::optional<std::string> sort_words(const std::vector<std::string>& words, ClientOptions& o) {
    std::optional<std::string> direction, protocol, engine;
    std::vector<std::string> others;
    const auto take = [](std::optional<std::string>& slot, const std::string& word,
                         const char* what) -> std::optional<std::string> {
        if (slot)
            return fmt::format("two {}s given, '{}' and '{}': say one", what, *slot, word);
        slot = word;
        return std::nullopt;
    };
    for (const auto& word : words) {
        std::optional<std::string> problem;
        if (parse_direction(word))
            problem = take(direction, word, "direction");
        else if (parse_protocol(word))
            problem = take(protocol, word, "protocol");
        else if (parse_engine(word))
            problem = take(engine, word, "engine");
        else
            others.push_back(word);
        if (problem)
            return problem;
    }
    if (others.empty())
        return fmt::format("missing target: name the host to trace as the last word ({})", kUsageHint);
    if (others.size() > 1) {
        // The first word that is not a keyword stands where a keyword was expected.
        const std::string& word = others.front();
        if (!direction)
            return fmt::format("unknown direction '{}': say forward, reverse or two-way", word);
        if (!protocol)
            return fmt::format("unknown protocol '{}': say tcp, udp or icmp", word);
        if (!engine)
            return fmt::format("unknown engine '{}': say singlepath or multipath", word);
        return fmt::format("two targets given, '{}' and '{}': trace one host at a time", others[0], others[1]);
    }
    o.direction = *parse_direction(direction.value_or("two-way"));
    o.protocol = *parse_protocol(protocol.value_or("udp"));
    o.engine = *parse_engine(engine.value_or("singlepath"));
    o.target = others.front();
    return std::nullopt;
}

// The option words of one CLI11 group that appear on the command line: an engine's options
// given for the other engine are a mistake worth a sentence (in the config file they are
// defaults and may sit there for either engine).
std::optional<std::string> option_outside_its_engine(const CLI::App& app, const std::vector<std::string>& words,
                                                     const char* group) {
    for (const auto& word : words) {
        if (word.size() < 2 || word[0] != '-')
            continue;
        const bool long_name = word.rfind("--", 0) == 0;
        const std::string name = long_name ? word.substr(0, word.find('=')) : word.substr(0, 2);
        const CLI::Option* option = app.get_option_no_throw(name);
        if (option != nullptr && option->get_group() == group)
            return name;
    }
    return std::nullopt;
}

// -w MAX[,HERE,NEAR] as traceroute(8) takes it, with its ranges; returns the sentence for the
// user when it is not one or three numbers in range.
std::optional<std::string> parse_wait(const std::string& text, ClientOptions& o) {
    std::vector<double> values;
    std::size_t at = 0;
    for (;;) {
        const std::size_t comma = text.find(',', at);
        const std::string part = text.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
        try {
            std::size_t used = 0;
            values.push_back(std::stod(part, &used));
            if (used != part.size())
                throw std::invalid_argument(part);
        } catch (const std::exception&) {
            return fmt::format("-w {} is not a wait: give seconds, or MAX,HERE,NEAR as traceroute does (e.g. 2,3,10)",
                               text);
        }
        if (comma == std::string::npos)
            break;
        at = comma + 1;
    }
    if (values.size() != 1 && values.size() != 3)
        return fmt::format("-w {} is not a wait: give seconds, or MAX,HERE,NEAR as traceroute does (e.g. 2,3,10)",
                           text);
    o.timeout_s = values[0];
    if (values.size() == 3) {
        o.wait_here = values[1];
        o.wait_near = values[2];
    }
    if (!(o.timeout_s > 0) || o.timeout_s > 60)
        return fmt::format("timeout {} s is out of range: give -w between 0 and 60 seconds", o.timeout_s);
    if (!(o.wait_here >= 0) || o.wait_here > 100 || !(o.wait_near >= 0) || o.wait_near > 100)
        return fmt::format("-w {},{},{}: HERE and NEAR are factors of an RTT: give each between 0 (off) and 100",
                           o.timeout_s, o.wait_here, o.wait_near);
    return std::nullopt;
}

// An option word CLI11 did not know (it says only "not expected"): one sentence naming it, with
// the closest option name, and our word for the traceroute/mtr letters that mean something else
// here.
std::string unknown_option_sentence(const CLI::App& app, const std::vector<std::string>& words) {
    std::vector<std::string> names;
    for (const CLI::Option* option : app.get_options())
        for (const auto& name : option->get_lnames())
            names.push_back("--" + name);
    for (const auto& word : words) {
        if (word.size() < 2 || word[0] != '-' || (word[1] >= '0' && word[1] <= '9'))
            continue;
        const std::string name = word.substr(0, word.find('='));
        if (word.rfind("--", 0) == 0 ? app.get_option_no_throw(name) != nullptr
                                     : app.get_option_no_throw(word.substr(0, 2)) != nullptr)
            continue;
        if (const auto close = closest_name(name, names))
            return fmt::format("unknown option {}: did you mean {}? ({})", name, *close, kUsageHint);
        return fmt::format("unknown option {} ({})", name, kUsageHint);
    }
    return {};
}

// "--transmit 127.0.0.1:8080": an address with a port, not a target (IPv6 addresses have two
// colons or more), so the user meant a collector and forgot the scheme.
bool looks_like_host_and_port(const std::string& word) {
    const std::size_t colon = word.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == word.size())
        return false;
    const bool bracketed = word.front() == '[' && word[colon - 1] == ']';
    if (!bracketed && word.find(':') != colon)
        return false;
    return std::all_of(word.begin() + static_cast<std::ptrdiff_t>(colon) + 1, word.end(),
                       [](char c) { return c >= '0' && c <= '9'; });
}

// The usage line CLI11 prints atop --help, as a command one can type.
class UsageFormatter final : public CLI::Formatter {
public:
    std::string make_usage(const CLI::App*, std::string) const override {
        return "Usage: reverse-traceroute [OPTIONS] [forward|reverse|two-way] [tcp|udp|icmp] "
               "[singlepath|multipath] TARGET\n";
    }
};

}  // namespace

std::string direction_name(Direction direction) {
    switch (direction) {
    case Direction::forward: return "forward";
    case Direction::reverse: return "reverse";
    case Direction::two_way: return "two-way";
    }
    return "?";
}

constexpr const char* kNoUrl = "-";  // --transmit given without a URL

// "3" or "0.5", not an IPv4 address such as 198.18.4.2.
bool looks_like_seconds(const std::string& word) {
    return !word.empty() && word.find_first_not_of("0123456789.") == std::string::npos &&
           std::count(word.begin(), word.end(), '.') <= 1;
}

// Options whose value may be left out. "--transmit URL" becomes "--transmit=URL" when the word
// after it is a URL and "--transmit=-" otherwise, so that in the Augsburg form `--transmit
// two-way tcp multipath TARGET` the direction stays a direction; "--banner 5" becomes
// "--banner=5" and a bare --banner takes its default wait.
std::vector<std::string> joined_optional_values(int argc, const char* const* argv) {
    std::vector<std::string> words(argv, argv + argc);
    for (std::size_t i = 1; i < words.size(); ++i) {
        const bool transmit = words[i] == "--transmit", banner = words[i] == "--banner";
        if (!transmit && !banner)
            continue;
        const bool has_value = i + 1 < words.size() && (transmit ? words[i + 1].find("://") != std::string::npos
                                                                 : looks_like_seconds(words[i + 1]));
        if (has_value) {
            words[i] += "=" + words[i + 1];
            words.erase(words.begin() + static_cast<std::ptrdiff_t>(i) + 1);
        } else {
            words[i] += "=" + (transmit ? std::string(kNoUrl) : fmt::format("{}", defaults::kBannerWaitS));
        }
    }
    return words;
}

std::variant<ClientOptions, ParseExit> parse_command_line(int argc, const char* const* argv,
                                                          std::vector<SubcommandDocument> subcommands) {
    ClientOptions o;
    for (int i = 1; i < argc; ++i)
        if (std::string_view(argv[i]).rfind("--token", 0) == 0)
            return ParseExit{2,
                             "a token on the command line ends up in shell history and in ps: set "
                             "REVERSE_TRACEROUTE_TOKEN or write `token = ...` in the config file"};
    for (int i = 1; i + 1 < argc; ++i)
        if (std::string_view(argv[i]) == "--transmit" && looks_like_host_and_port(argv[i + 1]))
            return ParseExit{
                2, fmt::format("--transmit takes a collector's URL: write --transmit http://{}", argv[i + 1])};
    std::vector<std::string> positional_words;
    std::optional<int> retries;
    std::optional<int> port;
    std::string wait = fmt::format("{}", defaults::kTimeoutS);
    bool icmp_letter = false, tcp_letter = false, udp_letter = false, report = false;
    bool v4 = false, v6 = false;

    CLI::App app{
        "Traceroute in both directions: the path to TARGET and, from its reverse traceroute "
        "server, the path back to you.",
        "reverse-traceroute"};
    app.formatter(std::make_shared<UsageFormatter>());
    app.footer(
        "Words left out default to two-way udp singlepath; options may stand anywhere.\n"
        "Examples:\n"
        "  reverse-traceroute example.net\n"
        "  reverse-traceroute -q 5 two-way udp singlepath example.net\n"
        "  reverse-traceroute -c 10 example.net\n"
        "  reverse-traceroute -T -p 443 forward example.net\n"
        "  reverse-traceroute -T -p 22 --banner forward example.net\n"
        "  reverse-traceroute --mtu forward example.net\n"
        "  reverse-traceroute -n reverse tcp singlepath --flow 443 2001:db8::1\n"
        "  reverse-traceroute --format svg -o trace two-way udp multipath example.net\n"
        "Reverse and two-way traces need a reverse traceroute server on TARGET.\n"
        "Many targets from a list, resumable: reverse-traceroute campaign --help");
    app.set_version_flag("-V,--version", "reverse-traceroute " RTT_VERSION_STRING);
    add_document_options(
        app, {"reverse-traceroute",
              1,
              "trace the path to a host and the path back from it",
              "[OPTIONS] [forward|reverse|two-way] [tcp|udp|icmp] [singlepath|multipath] TARGET",
              {{"forward", "reverse", "two-way"}, {"tcp", "udp", "icmp"}, {"singlepath", "multipath"}, {"<host>"}},
              {{"output", {"<file>"}},
               {"config", {"<file>"}},
               {"interface", {"<interface>"}},
               {"geoip", {"<file>"}},
               {"format", drawing_formats()},
               {"log-level", {"debug", "info", "warning", "error"}}},
              {"direction", "protocol", "engine", "target"},
              {{kSinglePathGroup, "singlepath"}, {kMultipathGroup, "multipath"}},
              std::move(subcommands)});
    struct EndpointsRequest {};
    app.add_flag_callback(
        "--endpoints", [] { throw EndpointsRequest{}; },
        "List the public reverse traceroute servers known at release (the ENDPOINTS file) and exit");

    app.add_flag("-4", v4, "Use IPv4");
    app.add_flag("-6", v6, "Use IPv6");
    app.add_flag("-n,--no-resolve", o.no_resolve, "Do not look up host names of addresses");
    app.add_flag("-A,--as-lookup", o.as_lookup,
                 "Look up the origin AS of every hop over DNS (origin.asn.cymru.com); never delays the trace");
    app.add_option("--geoip", o.geoip,
                   "GeoIP database (.mmdb: DB-IP City Lite, GeoLite2 City, IPinfo Lite) placing each hop, offline "
                   "(default: the first in /usr/share/GeoIP, /var/lib/GeoIP; if there is none, no places)")
        ->type_name("FILE");
    app.add_flag("-G,--show-locations", o.show_locations,
                 "Show each hop's place (city, country) from the GeoIP database; the JSON has them whenever a "
                 "database is found");
    app.add_option("-f,--first-ttl,--min-ttl", o.first_ttl, "First TTL to probe")
        ->check(between(1, 255, "first TTL {} is out of range: give -f between 1 and 255"))
        ->capture_default_str();
    app.add_option("-m,--max-ttl", o.max_ttl, "Last TTL to probe")
        ->check(between(1, 255, "max TTL {} is out of range: give -m between 1 and 255"))
        ->capture_default_str();
    app.add_option("-w,--timeout", wait,
                   "Seconds to wait for an answer: MAX, or MAX,HERE,NEAR as traceroute: at most HERE times the "
                   "RTT of an answer at the same hop and NEAR times that of one from further on (default 2,3,10; "
                   "0 turns a factor off)")
        ->type_name("MAX[,HERE,NEAR]")
        ->capture_default_str();
    app.add_flag("-I,--icmp", icmp_letter, "ICMP probes (as the word icmp, traceroute -I)");
    app.add_flag("-T,--tcp", tcp_letter, "TCP SYN probes (as the word tcp, traceroute -T)");
    app.add_flag("-U,--udp", udp_letter, "UDP probes (as the word udp, traceroute -U)");
    app.add_option("-p,--port", port,
                   "Destination port (UDP/TCP, traceroute -p): single path's --flow, multipath's --destination-port")
        ->check(between(1, 65535, "-p {} is out of range: give a port from 1 to 65535"));
    std::string payload;
    app.add_option("--payload", payload,
                   "Bytes forward probes carry after their headers: hex digits (48454c4c4f) or @FILE; without it, "
                   "UDP probes to port 53 carry a DNS query for the root")
        ->type_name("HEX|@FILE");
    app.add_option("--size", o.size,
                   "Size of each forward probe in bytes, IP header included (traceroute's packetlen); padded with "
                   "zeros")
        ->check(between(1, 65535, "--size {} is out of range: give 1 to 65535 bytes"));
    app.add_option("-t,--tos", o.tos,
                   "Type of service (IPv4) or traffic class (IPv6) of forward probes, DSCP * 4 + ECN (traceroute "
                   "-t); quotes show where the path rewrites it")
        ->check(between(0, 255, "-t {} is out of range: give 0 to 255 (DSCP * 4 + ECN)"));
    app.add_flag("--mtu", o.path_mtu,
                 "Find the path MTU hop by hop (forward, as tracepath): where it drops, who said so, and where "
                 "big probes vanish without an ICMP error")
        ->group(kSinglePathGroup);
    app.add_option("--banner", o.banner_s,
                   "TCP: once the trace reaches an open port, connect to it once and show the first line the "
                   "service sends, waiting at most SECONDS (default 3)")
        ->type_name("[SECONDS]")
        ->check(between(0.1, 60.0, "--banner {} s is out of range: give 0.1 to 60 seconds"));
    app.add_option("-z,--inter", o.inter_s, "Least seconds between two probes of one direction")
        ->check(between(0.0, 10.0, "send interval {} s is out of range: give -z between 0 and 10 seconds"))
        ->capture_default_str();
    app.add_option("--retries,--retry", retries,
                   "Extra attempts for a probe that got no answer (default: 1 single path, 3 multipath)")
        ->check(between(0, 10, "--retries {} is out of range: give 0 to 10"));
    app.add_option("--abort", o.abort_after, "Stop after this many consecutive silent hops")
        ->check(between(1, 255, "--abort {} is out of range: give 1 to 255 silent hops"))
        ->capture_default_str();
    CLI::Option* deadline =
        app.add_option("--deadline", o.deadline_s,
                       "Seconds the whole trace may take; then (as on Ctrl-C) what was found is printed and saved")
            ->check(between(1.0, 86400.0, "--deadline {} s is out of range: give 1 to 86400 seconds"))
            ->capture_default_str();
    app.add_option("-s,--source", o.source, "Source address to probe from");
    app.add_option("-i,--interface", o.interface, "Interface to probe through");
    app.add_flag("-y,--assume-yes", o.assume_yes, "Answer yes to confirmation questions");
    app.add_option("--transmit", o.transmit_url,
                   "Submit the measurement to a collector (URL, else $REVERSE_TRACEROUTE_COLLECTOR, else "
                   "`collector` in the config file); asks first unless -y")
        ->type_name("[URL]")
        ->configurable(false);
    app.add_option("--collector", o.collector,
                   "Collector URL --transmit uses when given none (usually set in the "
                   "config file)");
    app.add_option("--token", o.token, "Collector token (config file key `token`; refused on the command line)")
        ->group("");
    CLI::Option* config = app.set_config("--config", default_config_path(),
                                         "Read option defaults (key = value) from this file; an unknown key is an "
                                         "error")
                              ->type_name("FILE");
    app.add_option("-l,--log-level", o.log_level, "Log detail on stderr")
        ->check(
            one_of({"debug", "info", "warning", "error"}, "unknown log level '{}': say debug, info, warning or error"))
        ->capture_default_str();
    app.add_flag("-v,--verbose", o.verbosity, "More detail on stderr (repeatable)");

    constexpr const char* kOutput = "Output";
    CLI::Option* output =
        app.add_option("-o,--output", o.output_base,
                       "Base name of output files (BASE.json, BASE.aliases, BASE.FORMAT); NAME.json asks for the "
                       "JSON file, NAME.FORMAT (e.g. t.svg) or BASE alone for the drawing")
            ->capture_default_str()
            ->group(kOutput);
    CLI::Option* format =
        app.add_option("--format", o.format,
                       "Draw the graph as dot, gif, jpg, pdf, png, ps or svg, or the located hops as geojson (a map)")
            ->check(one_of(drawing_formats(),
                           fmt::format("unknown format '{{}}': give one of {}", fmt::join(drawing_formats(), ", "))))
            ->capture_default_str()
            ->group(kOutput);
    app.add_flag("--force", o.force, "Overwrite output files that exist (else BASE-1, BASE-2, ... is chosen)")
        ->group(kOutput);
    app.add_flag("-j,--json", o.json,
                 "Write the measurement as JSON to stdout, nothing else (failures and files written still go to "
                 "stderr)")
        ->group(kOutput);
    app.add_flag("--store-json", o.store_json, "Write the measurement to BASE.json")->group(kOutput);
    app.add_flag("--resolve-aliases", o.resolve_aliases,
                 "Two-way IPv4: find addresses of one router (APAR) and write them to BASE.aliases")
        ->group(kOutput);

    constexpr const char* kRounds = "Report and live view";
    app.add_option("-c,--count", o.count,
                   "Trace N rounds over the same flow, then print per-hop statistics of both directions (as mtr "
                   "--report); multipath: find the paths, then N rounds of one probe per vertex found")
        ->check(between(0, 100000, "-c {} is out of range: give 1 to 100000 rounds"))
        ->group(kRounds);
    app.add_flag("-r,--report", report, "Report mode as mtr -r: 10 rounds (-c 10) unless -c says otherwise")
        ->group(kRounds);
    app.add_option("--interval", o.interval_s, "Seconds between the starts of two rounds")
        ->check(between(0.1, 3600.0, "--interval {} s is out of range: give 0.1 to 3600 seconds"))
        ->capture_default_str()
        ->group(kRounds);
    app.add_flag("--live", o.live,
                 "Show the statistics in the terminal, updated every round (keys: p pause, r reset, n names, q "
                 "quit and print the report)")
        ->group(kRounds);

    CLI::Option* flow_option =
        app.add_option("--flow", o.flow, "Flow: destination port (UDP/TCP; TCP default 80) or ICMP checksum")
            ->check(between(0, 65535, "flow {} is out of range: give --flow between 0 and 65535"))
            ->capture_default_str()
            ->group(kSinglePathGroup);
    app.add_option("-q,--probes", o.probes_per_hop, "Probes per hop")
        ->check(between(1, 10, "{} probes per hop is out of range: give -q between 1 and 10"))
        ->capture_default_str()
        ->group(kSinglePathGroup);
    app.add_option("-N,--sim-queries", o.max_in_flight, "Probes in flight at once")
        ->check(between(1, 1024, "-N {} is out of range: give 1 to 1024 probes in flight"))
        ->capture_default_str()
        ->group(kSinglePathGroup);

    app.add_option("--confidence", o.confidence, "Failure probability per branching point")
        ->check(value_check<double>([](double p) { return p > 0 && p < 1; },
                                    "--confidence {} is out of range: give a failure probability between 0 and 1"))
        ->capture_default_str()
        ->group(kMultipathGroup);
    app.add_option("--min-burst", o.min_burst, "Least probes in flight")->capture_default_str()->group(kMultipathGroup);
    app.add_option("--max-burst", o.max_burst, "Most probes in flight")->capture_default_str()->group(kMultipathGroup);
    app.add_flag("--no-merge", o.no_merge, "Keep duplicate vertices")->group(kMultipathGroup);
    app.add_flag("--opt-single-vertex-hop", o.opt_single_vertex_hop,
                 "Infer flows through a hop shown to be one vertex instead of probing it there "
                 "(always on; accepted for compatibility)")
        ->group(kMultipathGroup);
    app.add_option("--max-probes", o.max_probes, "Most probes one direction may send (a safety cap)")
        ->check(between(50, 1000000, "--max-probes {} is out of range: give 50 to 1000000"))
        ->capture_default_str()
        ->group(kMultipathGroup);
    app.add_option("--first-flow", o.first_flow,
                   "Flow of the first probe, 10000-65534 (default: random); flows count up from it")
        ->check(between(10000, 65534, "--first-flow {} is out of range: give 10000 to 65534"))
        ->group(kMultipathGroup);
    app.add_option("--destination-port", o.destination_port,
                   "UDP/TCP: keep the destination port fixed (e.g. 443 through a firewall) and vary the source "
                   "port as the flow, as scamper's tcp-sport (forward probes)")
        ->check(between(1, 65535, "--destination-port {} is out of range: give 1 to 65535"))
        ->group(kMultipathGroup);
    app.add_flag("--trace-bound", o.trace_bound,
                 "--confidence bounds the failure probability of the whole trace (union bound over every "
                 "vertex found) instead of each branching point")
        ->group(kMultipathGroup);
    app.add_option("--min-share", o.min_share,
                   "Smallest share of a vertex's flows a branch may get and still be found within --confidence "
                   "(uneven load balancing; default: even shares assumed)")
        ->check(value_check<double>([](double s) { return s > 0 && s <= 0.5; },
                                    "--min-share {} is out of range: give a share above 0 and at most 0.5"))
        ->group(kMultipathGroup);
    app.add_flag("--per-destination", o.per_destination,
                 "Also trace other addresses of the target's /24 (IPv6: /120) forward, to find balancers that "
                 "send other destinations other ways (flows to one address cannot show them)")
        ->group(kMultipathGroup);
    app.add_flag("--paths", o.flow_paths, "Also print each flow's path (one row per flow, one column per TTL)")
        ->group(kMultipathGroup);

    CLI::Option* words_option =
        app.add_option("WORDS", positional_words,
                       "[forward|reverse|two-way] [tcp|udp|icmp] [singlepath|multipath] TARGET: the direction, "
                       "probe protocol, engine and the host to trace to (and from)")
            ->configurable(false);
    // The config file's engine sections apply to the engine the command line chose.
    app.config_formatter(
        std::make_shared<UserConfigFormat>(app,
                                           std::vector<std::pair<std::string, std::string>>{
                                               {"singlepath", kSinglePathGroup}, {"multipath", kMultipathGroup}},
                                           [words_option] {
                                               for (const auto& word : words_option->results())
                                                   if (word == "multipath")
                                                       return std::string("multipath");
                                               return std::string("singlepath");
                                           }));

    std::vector<std::string> words = joined_optional_values(argc, argv);
    words.erase(words.begin());
    try {
        std::vector<std::string> reversed(words.rbegin(), words.rend());  // CLI11 takes the arguments last first
        app.parse(reversed);
    } catch (const EndpointsRequest&) {
        try {
            return ParseExit{0, endpoints_text(read_endpoints(endpoints_file()))};
        } catch (const ClientError& e) {
            return ParseExit{1, e.what()};
        }
    } catch (const UserConfigError& e) {
        const std::string path = config->count() > 0 ? config->results().front() : default_config_path();
        return ParseExit{2, fmt::format("config file {}: {}", path, e.what())};
    } catch (const CLI::CallForHelp&) {
        return ParseExit{0, app.help()};
    } catch (const CLI::CallForVersion&) {
        return ParseExit{0, app.version()};
    } catch (const CLI::Success&) {
        return ParseExit{0, ""};  // --man, --completion: already printed
    } catch (const CLI::ValidationError& e) {
        // Every check declared above says its own sentence; CLI11 puts the option's name before it.
        const std::string what = e.what();
        const auto colon = what.find(": ");
        return ParseExit{2, colon == std::string::npos ? what : what.substr(colon + 2)};
    } catch (const CLI::ConversionError& e) {
        // CLI11 says "Could not convert: --probes = abc".
        const std::string what = e.what();
        const auto colon = what.find(": "), equals = what.find(" = ");
        if (colon == std::string::npos || equals == std::string::npos || equals < colon)
            return ParseExit{2, fmt::format("{} ({})", what, kUsageHint)};
        return ParseExit{2, fmt::format("{} takes a number, not '{}' ({})", what.substr(colon + 2, equals - colon - 2),
                                        what.substr(equals + 3), kUsageHint)};
    } catch (const CLI::ExtrasError& e) {
        const std::string sentence = unknown_option_sentence(app, words);
        return ParseExit{2, sentence.empty() ? fmt::format("{} ({})", e.what(), kUsageHint) : sentence};
    } catch (const CLI::ParseError& e) {
        return ParseExit{2, fmt::format("{} ({})", e.what(), kUsageHint)};
    }

    if (const auto problem = sort_words(positional_words, o))
        return ParseExit{2, *problem};
    if (icmp_letter + tcp_letter + udp_letter > 1)
        return ParseExit{2, "-I, -T and -U each choose the probe protocol: give one"};
    if (icmp_letter || tcp_letter || udp_letter) {
        const Protocol letter = icmp_letter ? Protocol::icmp : tcp_letter ? Protocol::tcp : Protocol::udp;
        const bool word_given = std::any_of(positional_words.begin(), positional_words.end(),
                                            [](const std::string& w) { return parse_protocol(w).has_value(); });
        if (word_given && letter != o.protocol)
            return ParseExit{2, fmt::format("two protocols given, {} and '{}': say one",
                                            icmp_letter  ? "-I"
                                            : tcp_letter ? "-T"
                                                         : "-U",
                                            protocol_name(o.protocol))};
        o.protocol = letter;
    }
    if (const auto problem = parse_wait(wait, o))
        return ParseExit{2, *problem};
    if (!payload.empty()) {
        auto bytes = parse_payload(payload);
        if (auto* problem = std::get_if<std::string>(&bytes))
            return ParseExit{2, *problem};
        o.payload = std::move(std::get<Bytes>(bytes));
    }
    if (report && o.count == 0)
        o.count = defaults::kReportRounds;
    const bool multipath = o.engine == EngineKind::multipath;
    if (const auto name = option_outside_its_engine(app, words, multipath ? kSinglePathGroup : kMultipathGroup))
        return ParseExit{
            2, fmt::format("{} is a {} option: say {} or drop it", *name, multipath ? "single path" : "multipath",
                           multipath ? "singlepath" : "multipath")};
    o.retries = retries.value_or(multipath ? defaults::kMultipathRetries : defaults::kSinglePathRetries);
    if (port) {
        if (o.protocol == Protocol::icmp)
            return ParseExit{2, "-p names a port, and ICMP probes have none: trace udp or tcp, or drop -p"};
        if (flow_option->count() > 0 || o.destination_port)
            return ParseExit{2, "-p and --flow/--destination-port both set the port: give one"};
        if (multipath)
            o.destination_port = *port;
        else
            o.flow = *port;
    }
    // TCP probes go to port 80 unless told otherwise, as traceroute -T does.
    if (o.protocol == Protocol::tcp && flow_option->count() == 0 && !port)
        o.flow = defaults::kTcpFlow;
    // -o NAME.json names the JSON file, -o NAME.FORMAT the drawing itself: the extension is not
    // added a second time.
    auto dot = o.output_base.rfind('.');
    if (output->count() > 0 && dot != std::string::npos && dot > 0 && o.output_base.substr(dot + 1) == "json") {
        o.store_json = true;
        o.output_base.erase(dot);
        dot = std::string::npos;
    }
    if (output->count() > 0 && dot != std::string::npos && dot > 0 &&
        std::find(drawing_formats().begin(), drawing_formats().end(), o.output_base.substr(dot + 1)) !=
            drawing_formats().end()) {
        if (format->count() > 0 && o.format != o.output_base.substr(dot + 1))
            return ParseExit{2,
                             fmt::format("-o {} and --format {} name two formats: give one", o.output_base, o.format)};
        o.format = o.output_base.substr(dot + 1);
        o.output_base.erase(dot);
        o.render = true;
    }
    // A drawing is made when asked for: a format, or -o with nothing else to write.
    o.render = o.render || format->count() > 0 || (output->count() > 0 && !o.store_json && !o.resolve_aliases);
    o.transmit = !o.transmit_url.empty();
    if (o.transmit_url == kNoUrl)
        o.transmit_url.clear();
    if (v4 && v6)
        return ParseExit{2, "-4 and -6 exclude each other: give at most one"};
    if (v4)
        o.family = Family::v4;
    if (v6)
        o.family = Family::v6;
    if (const auto problem = validate(o))
        return ParseExit{2, *problem};
    if (const auto problem = check_geoip(o))
        return ParseExit{2, *problem};
    // Rounds take as long as they are asked to: the default deadline covers them (a day at most
    // for the live view, which ends with q).
    if (deadline->count() == 0 && (o.count > 0 || o.live))
        o.deadline_s = o.live ? 86400 : std::max(o.deadline_s, 2 * o.count * o.interval_s + o.deadline_s);
    return o;
}

}  // namespace rtt::client
