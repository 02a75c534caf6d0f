// SPDX-License-Identifier: MIT
// The command line: `reverse-traceroute [options] forward|reverse|two-way tcp|udp|icmp
// singlepath|multipath TARGET` (the Augsburg grammar, traceroute(8) letters). Options may stand
// anywhere; a word left out takes its default (two-way, udp, singlepath).
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "cli_documents.h"
#include "ip_address.h"
#include "probe/probe_codec.h"
#include "trace_defaults.h"

namespace rtt::client {

enum class Direction { forward, reverse, two_way };
enum class EngineKind { singlepath, multipath };

struct ClientOptions {
    Direction direction = Direction::two_way;
    Protocol protocol = Protocol::udp;
    EngineKind engine = EngineKind::singlepath;
    std::string target;

    std::optional<Family> family;  // -4 / -6
    bool no_resolve = false;
    int first_ttl = defaults::kFirstTtl;
    int max_ttl = defaults::kMaxTtl;
    double timeout_s = defaults::kTimeoutS;    // -w MAX: the longest wait for an answer
    double wait_here = defaults::kWaitHere;    // -w MAX,HERE,NEAR: at most HERE times an answer's RTT at the same hop
    double wait_near = defaults::kWaitNear;    // ... and NEAR times the RTT of an answer from further on (0: off)
    double deadline_s = defaults::kDeadlineS;  // the whole run, both directions; then what was found is kept
    double inter_s = defaults::kInterS;
    int abort_after = defaults::kAbortAfter;
    std::string source;
    std::string interface;
    bool assume_yes = false;
    std::string output_base = "trace";
    std::string format = "pdf";
    bool render = false;  // a drawing was asked for: --format, -o NAME.FORMAT, or -o alone
    bool force = false;   // --force: overwrite existing output files
    bool json = false;
    bool flow_paths = false;  // --paths
    bool resolve_aliases = false;
    bool store_json = false;
    bool transmit = false;     // --transmit [URL]
    std::string transmit_url;  // its URL, if given
    std::string collector;     // `collector = URL` (config file or --collector)
    std::string token;         // `token = TOKEN` (config file only)
    std::string log_level = "warning";
    int verbosity = 0;
    bool as_lookup = false;       // -A: origin AS of every hop over DNS
    std::string geoip;            // --geoip FILE: the GeoIP database (empty: the first in the usual places)
    bool show_locations = false;  // -G: each hop's place in the text, the report and the live view

    // What forward probes carry (the server builds the reverse ones)
    int tos = 0;                   // -t: IPv4 TOS / IPv6 traffic class
    std::optional<Bytes> payload;  // --payload HEX|@FILE
    int size = 0;                  // --size: the whole probe, IP header included (0: the smallest)
    bool path_mtu = false;         // --mtu: path MTU discovery, hop by hop (forward, single path)
    double banner_s = 0;           // --banner [SECONDS]: fetch the reached TCP service's banner (0: no)

    // Both engines
    int retries = defaults::kSinglePathRetries;  // extra attempts for an unanswered probe (multipath: 3)

    // Report and live view (single path): rounds over the same flow, statistics per hop
    int count = 0;  // -c: rounds, then the report (0: an ordinary trace)
    double interval_s = defaults::kIntervalS;
    bool live = false;  // --live: a terminal view updated every round

    // singlepath
    int flow = defaults::kFlow;
    int probes_per_hop = defaults::kProbesPerHop;
    int max_in_flight = defaults::kMaxInFlight;

    // multipath
    double confidence = defaults::kConfidence;
    int min_burst = defaults::kMinBurst;
    int max_burst = defaults::kMaxBurst;
    bool no_merge = false;
    bool opt_single_vertex_hop = false;
    int max_probes = defaults::kMaxProbes;
    std::optional<int> first_flow;        // default: random
    std::optional<int> destination_port;  // multipath UDP/TCP: fixed, the source port is the flow
    bool trace_bound = false;             // --confidence bounds the whole trace, not each vertex
    double min_share = 0;                 // --min-share: smallest share of a branch covered (0: even shares)
    bool per_destination = false;         // --per-destination: also trace other addresses of the target's prefix
};

// What parsing ended with when it did not produce options: text for stdout (--help,
// --version; exit 0) or one sentence for stderr (bad input; exit 2).
struct ParseExit {
    int exit_code = 0;
    std::string text;
};

// `subcommands`: those with a command line of their own (campaign), for --completion.
std::variant<ClientOptions, ParseExit> parse_command_line(int argc, const char* const* argv,
                                                          std::vector<SubcommandDocument> subcommands = {});

std::string direction_name(Direction direction);

}  // namespace rtt::client
