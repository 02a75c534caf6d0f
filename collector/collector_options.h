// SPDX-License-Identifier: MIT
// The collector's command line:
// reverse-traceroute-collector --listen ADDR:PORT --db PATH (--token-file PATH | --open)
//     [--tls-cert PEM --tls-key PEM] [--max-body BYTES] [--rate N] [--burst N] [--threads N]
//     [--connections N] [--connections-per-address N] [--header-deadline S] [--request-deadline S]
//     [--body-memory BYTES] [--trusted-proxy ADDR]...
//     [--looking-glass [--prober-socket PATH | --prober PATH --trace-pps N] [--open-traces]
//      [--trace-running N] [--trace-queue N] [--trace-quota N] [--trace-deadline S]
//      [--trace-allow CIDR]... [--trace-deny CIDR]...]
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace rtt::collector {

struct CollectorOptions {
    std::string listen_host = "127.0.0.1";
    int listen_port = 8080;  // 0: any free port (printed at start)
    std::string database = "/var/lib/reverse-traceroute-collector/measurements.db";
    std::string geoip;  // --geoip FILE: places for submissions without any (empty: the first found)
    std::string token_file;
    bool open = false;
    std::string tls_cert;
    std::string tls_key;
    std::size_t max_body = std::size_t{8} * 1024 * 1024;
    double rate = 20;
    double burst = 100;
    int threads = 8;
    unsigned connections = 1024;
    unsigned connections_per_address = 16;
    int header_deadline = 10;   // seconds
    int request_deadline = 60;  // seconds
    std::size_t body_memory = std::size_t{32} << 20;
    std::vector<std::string> trusted_proxies;
    // The looking glass (traces on request), off unless asked for.
    bool looking_glass = false;
    std::string prober_socket;  // a running prober's socket; empty: start --prober
    std::string prober = "reverse-traceroute-prober";
    double trace_pps = 100;  // the started prober's --pps: all traces together
    bool open_traces = false;
    int trace_running = 2;
    int trace_queue = 20;
    int trace_quota = 20;  // per hour, per token and per client address; 0: none
    double trace_deadline = 60;
    std::vector<std::string> trace_allow;  // CIDR prefixes
    std::vector<std::string> trace_deny;
};

// --help/--version text (exit 0) or one sentence about bad input (exit 2).
struct CollectorParseExit {
    int exit_code = 0;
    std::string text;
};

std::variant<CollectorOptions, CollectorParseExit> parse_collector_command_line(int argc, const char* const* argv);

}  // namespace rtt::collector
