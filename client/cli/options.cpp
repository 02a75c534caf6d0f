// SPDX-License-Identifier: MIT
#include "options.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <CLI/CLI.hpp>

#include "cli/user_config.h"
#include "cli_documents.h"
#include "client_error.h"
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

// Checks that need more than one option at a time; returns the sentence for the user.
std::optional<std::string> validate(const ClientOptions& o) {
    if (o.first_ttl < 1 || o.first_ttl > 255)
        return fmt::format("first TTL {} is out of range: give -f between 1 and 255", o.first_ttl);
    if (o.max_ttl < 1 || o.max_ttl > 255)
        return fmt::format("max TTL {} is out of range: give -m between 1 and 255", o.max_ttl);
    if (o.first_ttl > o.max_ttl)
        return fmt::format("first TTL {} is above max TTL {}: give -f at most -m", o.first_ttl, o.max_ttl);
    if (!(o.timeout_s > 0) || o.timeout_s > 60)
        return fmt::format("timeout {} s is out of range: give -w between 0 and 60 seconds", o.timeout_s);
    if (!(o.inter_s >= 0) || o.inter_s > 10)
        return fmt::format("send interval {} s is out of range: give -z between 0 and 10 seconds", o.inter_s);
    if (!(o.deadline_s >= 1) || o.deadline_s > 86400)
        return fmt::format("--deadline {} s is out of range: give 1 to 86400 seconds", o.deadline_s);
    if (o.abort_after < 1 || o.abort_after > 255)
        return fmt::format("--abort {} is out of range: give 1 to 255 silent hops", o.abort_after);
    if (o.flow < 0 || o.flow > 65535)
        return fmt::format("flow {} is out of range: give --flow between 0 and 65535", o.flow);
    if (o.probes_per_hop < 1 || o.probes_per_hop > 10)
        return fmt::format("{} probes per hop is out of range: give -q between 1 and 10", o.probes_per_hop);
    if (o.retries < 0 || o.retries > 10)
        return fmt::format("--retries {} is out of range: give 0 to 10", o.retries);
    if (o.max_in_flight < 1 || o.max_in_flight > 1024)
        return fmt::format("-N {} is out of range: give 1 to 1024 probes in flight", o.max_in_flight);
    if (o.max_in_flight < o.probes_per_hop)
        return fmt::format("-N {} is below -q {}: allow at least one hop's probes in flight", o.max_in_flight,
                           o.probes_per_hop);
    if (!(o.confidence > 0 && o.confidence < 1))
        return fmt::format("--confidence {} is out of range: give a failure probability between 0 and 1", o.confidence);
    if (std::find(graph_formats().begin(), graph_formats().end(), o.format) == graph_formats().end())
        return fmt::format("unknown graph format '{}': give one of {}", o.format, fmt::join(graph_formats(), ", "));
    if (o.resolve_aliases && o.direction != Direction::two_way)
        return std::string("--resolve-aliases needs both directions: trace two-way");
    if (o.retry < 0 || o.retry > 10)
        return fmt::format("--retry {} is out of range: give 0 to 10", o.retry);
    if (o.max_probes < 50 || o.max_probes > 1000000)
        return fmt::format("--max-probes {} is out of range: give 50 to 1000000", o.max_probes);
    if (o.first_flow && (*o.first_flow < 10000 || *o.first_flow > 65534))
        return fmt::format("--first-flow {} is out of range: give 10000 to 65534", *o.first_flow);
    if (o.destination_port && (*o.destination_port < 1 || *o.destination_port > 65535))
        return fmt::format("--destination-port {} is out of range: give 1 to 65535", *o.destination_port);
    if (o.destination_port && o.protocol == Protocol::icmp)
        return std::string("--destination-port needs udp or tcp probes: ICMP has no ports");
    if (o.destination_port && o.direction == Direction::reverse)
        return std::string(
            "--destination-port works on forward probes only (a server's probe carries one flow, its destination "
            "port): trace forward or two-way");
    if (o.min_burst < 1 || o.max_burst < o.min_burst)
        return fmt::format("bursts {}..{} are invalid: give 1 <= --min-burst <= --max-burst", o.min_burst, o.max_burst);
    return std::nullopt;
}

// `reverse-traceroute [options] HOST`, the first command most people type, means
// `two-way udp singlepath`: when no direction, protocol or engine word is given but something
// else is (a host), those three words go first. (They go first so that engine options such as
// -q, wherever they stand, still follow the engine word.) Help and version requests are left
// alone.
void add_default_words(std::vector<std::string>& words) {
    static const std::set<std::string> keywords = {"forward", "reverse", "two-way",    "tcp",
                                                   "udp",     "icmp",    "singlepath", "multipath"};
    static const std::set<std::string> requests = {"-h",          "--help", "-V",          "--version",
                                                   "--endpoints", "--man",  "--completion"};
    bool positional = false;
    for (std::size_t i = 1; i < words.size(); ++i) {
        const std::string option = words[i].substr(0, words[i].find('='));
        if (keywords.count(words[i]) || requests.count(option))
            return;
        positional = positional || words[i].empty() || words[i][0] != '-';
    }
    if (positional)
        words.insert(words.begin() + 1, {"two-way", "udp", "singlepath"});
}

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

// "--transmit URL" becomes "--transmit=URL" when the word after it is a URL and "--transmit=-"
// otherwise, so that in the Augsburg form `--transmit two-way tcp multipath TARGET` the
// direction stays a direction.
std::vector<std::string> joined_transmit_url(int argc, const char* const* argv) {
    std::vector<std::string> words(argv, argv + argc);
    for (std::size_t i = 1; i < words.size(); ++i) {
        if (words[i] != "--transmit")
            continue;
        if (i + 1 < words.size() && words[i + 1].find("://") != std::string::npos) {
            words[i] += "=" + words[i + 1];
            words.erase(words.begin() + static_cast<std::ptrdiff_t>(i) + 1);
        } else {
            words[i] += std::string("=") + kNoUrl;
        }
    }
    return words;
}

std::variant<ClientOptions, ParseExit> parse_command_line(int argc, const char* const* argv) {
    ClientOptions o;
    for (int i = 1; i < argc; ++i)
        if (std::string_view(argv[i]).rfind("--token", 0) == 0)
            return ParseExit{2,
                             "a token on the command line ends up in shell history and in ps: set "
                             "REVERSE_TRACEROUTE_TOKEN or write `token = ...` in the config file"};
    std::string direction_word, protocol_word;
    bool v4 = false, v6 = false;

    CLI::App app{
        "Traceroute in both directions: the path to TARGET and, from its reverse traceroute "
        "server, the path back to you.",
        "reverse-traceroute"};
    app.footer(
        "Usage: reverse-traceroute [OPTIONS] forward|reverse|two-way tcp|udp|icmp singlepath|multipath "
        "[ENGINE OPTIONS] TARGET\n"
        "A bare `reverse-traceroute HOST` traces two-way udp singlepath.\n"
        "Examples:\n"
        "  reverse-traceroute example.net\n"
        "  reverse-traceroute two-way udp singlepath -q 5 example.net\n"
        "  reverse-traceroute -n reverse tcp singlepath --flow 443 2001:db8::1\n"
        "  reverse-traceroute -o trace --format svg two-way udp multipath example.net\n"
        "Reverse and two-way traces need a reverse traceroute server on TARGET.");
    app.set_version_flag("-V,--version", "reverse-traceroute " RTT_VERSION_STRING);
    add_document_options(
        app, {"reverse-traceroute",
              1,
              "trace the path to a host and the path back from it",
              "[OPTIONS] forward|reverse|two-way tcp|udp|icmp singlepath|multipath [ENGINE OPTIONS] "
              "TARGET",
              {{"forward", "reverse", "two-way"}, {"tcp", "udp", "icmp"}, {"singlepath", "multipath"}, {"<host>"}},
              {{"output", {"<file>"}},
               {"config", {"<file>"}},
               {"format", graph_formats()},
               {"log-level", {"debug", "info", "warning", "error"}}}});
    struct EndpointsRequest {};
    app.add_flag_callback(
        "--endpoints", [] { throw EndpointsRequest{}; },
        "List the public reverse traceroute servers known at release (the ENDPOINTS file) and exit");
    app.require_subcommand(1);

    app.add_flag("-4", v4, "Use IPv4");
    app.add_flag("-6", v6, "Use IPv6");
    app.add_flag("-n,--no-resolve", o.no_resolve, "Do not look up host names of addresses");
    app.add_option("-f,--first-ttl,--min-ttl", o.first_ttl, "First TTL to probe")->capture_default_str();
    app.add_option("-m,--max-ttl", o.max_ttl, "Last TTL to probe")->capture_default_str();
    app.add_option("-w,--timeout", o.timeout_s, "Seconds to wait for an answer to a probe")->capture_default_str();
    app.add_option("-z,--inter", o.inter_s, "Least seconds between two probes of one direction")->capture_default_str();
    app.add_option("--abort", o.abort_after, "Stop after this many consecutive silent hops")->capture_default_str();
    app.add_option("--deadline", o.deadline_s,
                   "Seconds the whole trace may take; then (as on Ctrl-C) what was found is printed and saved")
        ->capture_default_str();
    app.add_option("-s,--source", o.source, "Source address to probe from");
    app.add_option("-i,--interface", o.interface, "Interface to probe through");
    app.add_flag("-y,--assume-yes", o.assume_yes, "Answer yes to confirmation questions");
    CLI::Option* output = app.add_option("-o,--output", o.output_base,
                                         "Base name of output files: draws the graph to BASE.FORMAT (and BASE.json "
                                         "with --store-json)")
                              ->capture_default_str();
    CLI::Option* format =
        app.add_option("--format", o.format, "Graph format: dot, gif, jpg, pdf, png, ps or svg")->capture_default_str();
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
    app.set_config("--config", default_config_path(), "Read option defaults (key = value) from this file")
        ->type_name("FILE");
    app.add_flag("--json", o.json, "Write the measurement as JSON to stdout (the text goes to stderr)");
    app.add_flag("--store-json", o.store_json, "Write the measurement to BASE.json");
    app.add_flag("--resolve-aliases", o.resolve_aliases,
                 "Two-way IPv4: find addresses of one router (APAR) and write them to BASE.aliases");
    app.add_flag("--paths", o.flow_paths,
                 "Multipath: also print each flow's path (one row per flow, one column per TTL)");
    app.add_option("-l,--log-level", o.log_level, "Log detail on stderr")
        ->check(CLI::IsMember({"debug", "info", "warning", "error"}))
        ->capture_default_str();
    app.add_flag("-v,--verbose", o.verbosity, "More detail on stderr (repeatable)");
    app.add_option("direction", direction_word, "forward, reverse or two-way")->required()->configurable(false);
    app.add_option("protocol", protocol_word, "Probe protocol: tcp, udp or icmp")->required()->configurable(false);

    CLI::App* single = app.add_subcommand("singlepath", "Trace the one path of a fixed flow (Paris traceroute)");
    single->fallthrough();
    CLI::Option* flow_option =
        single->add_option("--flow", o.flow, "Flow: destination port (UDP/TCP; TCP default 80) or ICMP checksum")
            ->capture_default_str();
    single->add_option("-q,--probes", o.probes_per_hop, "Probes per hop")->capture_default_str();
    single->add_option("--retries", o.retries, "Extra attempts for a probe that got no answer")->capture_default_str();
    single->add_option("-N,--sim-queries", o.max_in_flight, "Probes in flight at once")->capture_default_str();
    single->add_option("target", o.target, "Host name or address to trace to (and from)")
        ->required()
        ->configurable(false);

    CLI::App* multi = app.add_subcommand("multipath", "Discover every load-balanced path (Diamond-Miner)");
    multi->fallthrough();
    multi->add_option("--confidence", o.confidence, "Failure probability per branching point")->capture_default_str();
    multi->add_option("--retry", o.retry, "Retries for unanswered probes")->capture_default_str();
    multi->add_option("--min-burst", o.min_burst, "Least probes in flight")->capture_default_str();
    multi->add_option("--max-burst", o.max_burst, "Most probes in flight")->capture_default_str();
    multi->add_flag("--no-merge", o.no_merge, "Keep duplicate vertices");
    multi->add_flag("--opt-single-vertex-hop", o.opt_single_vertex_hop,
                    "Infer flows through a hop shown to be one vertex instead of probing it there "
                    "(always on; accepted for compatibility)");
    multi->add_option("--max-probes", o.max_probes, "Most probes one direction may send (a safety cap)")
        ->capture_default_str();
    multi->add_option("--first-flow", o.first_flow,
                      "Flow of the first probe, 10000-65534 (default: random); flows count up from it");
    multi->add_option("--destination-port", o.destination_port,
                      "UDP/TCP: keep the destination port fixed (e.g. 443 through a firewall) and vary the source "
                      "port as the flow, as scamper's tcp-sport (forward probes)");
    multi->add_flag("--trace-bound", o.trace_bound,
                    "--confidence bounds the failure probability of the whole trace (union bound over every "
                    "vertex found) instead of each branching point");
    multi->add_option("target", o.target, "Host name or address to trace to (and from)")
        ->required()
        ->configurable(false);

    try {
        std::vector<std::string> words = joined_transmit_url(argc, argv);
        add_default_words(words);
        words.erase(words.begin());
        std::reverse(words.begin(), words.end());  // CLI11 takes the arguments last first
        app.parse(words);
    } catch (const EndpointsRequest&) {
        try {
            return ParseExit{0, endpoints_text(read_endpoints(endpoints_file()))};
        } catch (const ClientError& e) {
            return ParseExit{1, e.what()};
        }
    } catch (const CLI::CallForHelp&) {
        return ParseExit{0, app.help()};
    } catch (const CLI::CallForVersion&) {
        return ParseExit{0, app.version()};
    } catch (const CLI::Success&) {
        return ParseExit{0, ""};  // --man, --completion: already printed
    } catch (const CLI::RequiredError& e) {
        const std::string what = e.what();
        if (what.find("target") != std::string::npos)
            return ParseExit{
                2, fmt::format("missing target: name the host to trace as the last argument ({})", kUsageHint)};
        if (what.find("subcommand") != std::string::npos)
            return ParseExit{
                2, fmt::format("missing engine: say singlepath or multipath before the target ({})", kUsageHint)};
        return ParseExit{2, fmt::format("missing direction or protocol: say e.g. `two-way udp singlepath "
                                        "TARGET` ({})",
                                        kUsageHint)};
    } catch (const CLI::ParseError& e) {
        return ParseExit{2, fmt::format("{} ({})", e.what(), kUsageHint)};
    }

    const auto direction = parse_direction(direction_word);
    if (!direction)
        return ParseExit{2, fmt::format("unknown direction '{}': say forward, reverse or two-way", direction_word)};
    const auto protocol = parse_protocol(protocol_word);
    if (!protocol)
        return ParseExit{2, fmt::format("unknown protocol '{}': say tcp, udp or icmp", protocol_word)};
    o.direction = *direction;
    o.protocol = *protocol;
    o.engine = multi->parsed() ? EngineKind::multipath : EngineKind::singlepath;
    // TCP probes go to port 80 unless told otherwise, as traceroute -T does.
    if (o.protocol == Protocol::tcp && flow_option->count() == 0)
        o.flow = 80;
    o.render = output->count() > 0 || format->count() > 0;
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
    return o;
}

}  // namespace rtt::client
