// SPDX-License-Identifier: MIT
// reverse-traceroute-server: parses the command line, loads and attaches the program, keeps
// its view of the host's addresses current, and prints counters until SIGINT/SIGTERM.
#include <CLI/CLI.hpp>
#include <exception>

#include <fmt/format.h>
#include "cli_documents.h"
#include "rtt_version.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <memory>
#include <optional>
#include <thread>

#include "counters.h"
#include "duration.h"
#include "event_log.h"
#include "host_port.h"
#include "local_addresses.h"
#include "metrics_endpoint.h"
#include "server_config.h"
#include "server_error.h"
#include "server_metrics.h"
#include "server_program.h"
#include "tc_attachment.h"

namespace {

volatile std::sig_atomic_t g_stop = 0;

void request_stop(int) {
    g_stop = 1;
}

void install_signal_handlers() {
    struct sigaction action {};
    action.sa_handler = request_stop;  // no SA_RESTART: a blocking poll returns at once
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

void run(const rtt::server::ServerConfig& config) {
    using namespace rtt::server;
    ServerProgram program(config);
    program.set_local_addresses(host_addresses());
    TcAttachment attachment(config.interface, config.ipv4, config.ipv6, program.program_fd());
    std::optional<EventLog> events;
    if (config.verbose)
        events.emplace(program.events_fd());
    std::optional<MetricsEndpoint> metrics;
    if (!config.metrics_host.empty()) {
        metrics.emplace(config.metrics_host, config.metrics_port, [&program, &config] {
            return server_metrics_text(program.read_counters(), program.table_occupancy(), config);
        });
        fmt::print(
            stderr, "reverse-traceroute-server: metrics at http://{}:{}/metrics\n",
            config.metrics_host.find(':') != std::string::npos ? "[" + config.metrics_host + "]" : config.metrics_host,
            metrics->port());
    }

    if (!program.expiry_by_timer())
        fmt::print(stderr,
                   "reverse-traceroute-server: the kernel refused the expiry timer; sessions expire by this "
                   "process instead\n");
    fmt::print(stderr, "reverse-traceroute-server: serving {} on {} (up to {} sessions, {} per source, timeout {})\n",
               config.ipv4 && config.ipv6 ? "IPv4 and IPv6"
               : config.ipv4              ? "IPv4"
                                          : "IPv6",
               config.interface, config.max_sessions, config.source_sessions,
               rtt::server::duration_text(config.timeout_ns));
    // Without the timer, this loop expires sessions as often as the timer would have.
    const auto tick =
        program.expiry_by_timer()
            ? std::chrono::milliseconds(1000)
            : std::chrono::milliseconds(std::clamp<std::uint64_t>(config.timeout_ns / 10'000'000, 10, 1000));
    auto next_stats = std::chrono::steady_clock::now() + std::chrono::seconds(config.stats_interval_s);
    auto next_addresses = std::chrono::steady_clock::now();
    while (!g_stop) {
        if (events)
            events->poll(static_cast<int>(tick.count()));
        else
            std::this_thread::sleep_for(tick);
        if (!program.expiry_by_timer())
            program.expire_sessions_now();
        if (std::chrono::steady_clock::now() >= next_addresses) {
            program.set_local_addresses(host_addresses());
            next_addresses += std::chrono::seconds(1);
        }
        if (config.stats_interval_s && std::chrono::steady_clock::now() >= next_stats) {
            fmt::print(stderr, "counters: {}\n", format_counters(program.read_counters()));
            next_stats += std::chrono::seconds(config.stats_interval_s);
        }
    }
    fmt::print(stderr, "counters at exit: {}\n", format_counters(program.read_counters()));
}

int run_server(int argc, char** argv) {
    rtt::server::ServerConfig config;
    CLI::App app{"reverse-traceroute-server: answers reverse traceroute requests (eBPF, tc ingress)",
                 "reverse-traceroute-server"};
    app.set_version_flag("-V,--version", std::string("reverse-traceroute-server ") + RTT_VERSION_STRING);
    rtt::add_document_options(app, {"reverse-traceroute-server",
                                    8,
                                    "answer reverse traceroute requests with an eBPF program on tc ingress",
                                    "[OPTIONS] IFNAME",
                                    {{"<interface>"}},
                                    {},
                                    {"interface"},
                                    {},
                                    {}});
    bool only_v4 = false, only_v6 = false;
    std::string timeout = "5s";
    auto* v4 = app.add_flag("-4", only_v4, "Serve IPv4 only");
    app.add_flag("-6", only_v6, "Serve IPv6 only")->excludes(v4);
    app.add_option("-n,--max-sessions", config.max_sessions,
                   "Pending probes at most (session table size), 1 to 8000000")
        ->check(CLI::Range(1u, 8'000'000u).description(""))
        ->type_name("N")
        ->capture_default_str();
    app.add_option("--source-sessions", config.source_sessions,
                   "Pending probes one source (IPv6: one /64) may hold, its fair share of the table; further "
                   "requests are refused as busy (state 6); 0 = no limit")
        ->type_name("N")
        ->capture_default_str();
    app.add_option("-t,--timeout", timeout,
                   "Session timeout, 1ms to 10m: a number with a unit (ns, us, ms, s, m), e.g. 5s; a plain number is "
                   "nanoseconds, as the Augsburg server takes it (5000000000)")
        ->type_name("DURATION")
        ->capture_default_str();
    app.add_option("--rate", config.source_rate, "Requests per second per source (IPv6: per /64); 0 = unlimited")
        ->type_name("N")
        ->capture_default_str();
    app.add_option("--burst", config.source_burst, "Requests a source may send at once, 1 to 1000000")
        ->check(CLI::Range(1u, 1'000'000u).description(""))
        ->type_name("N")
        ->capture_default_str();
    app.add_option("--global-rate", config.global_rate, "Requests per second from all sources; 0 = unlimited")
        ->type_name("N")
        ->capture_default_str();
    app.add_option("--global-burst", config.global_burst, "Requests all sources may send at once, 1 to 10000000")
        ->check(CLI::Range(1u, 10'000'000u).description(""))
        ->type_name("N")
        ->capture_default_str();
    app.add_option("--allow", config.allow, "Only serve sources in this prefix (repeatable), e.g. 198.18.0.0/15")
        ->type_name("CIDR");
    app.add_flag("--require-padding", config.require_padding,
                 "Only answer requests at least as long as the response (36 bytes of ICMP), so that no answer is "
                 "larger than its request; older clients that send 12 bytes are then refused");
    app.add_option("--stats-interval", config.stats_interval_s, "Seconds between counter lines; 0 = only at exit")
        ->type_name("SECONDS")
        ->capture_default_str();
    std::string metrics_at;
    app.add_option("--metrics", metrics_at,
                   "Serve the counters and table occupancy in Prometheus text format at http://ADDR:PORT/metrics "
                   "(e.g. 127.0.0.1:9465; port 0 picks a free one)")
        ->type_name("ADDR:PORT");
    app.add_flag("-v,--verbose", config.verbose,
                 "Log every request, answer and drop; show libbpf and verifier messages");
    app.add_option("IFNAME", config.interface, "Interface whose ingress to serve on")->required();

    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {
        return app.exit(e);  // --help, --version, --man, --completion
    } catch (const CLI::ParseError& e) {
        // One sentence and the documented status 2, as for every other bad input.
        fmt::print(stderr, "reverse-traceroute-server: {} (see reverse-traceroute-server --help)\n", e.what());
        return 2;
    }
    if (!metrics_at.empty()) {
        const auto at = rtt::parse_host_port(metrics_at);
        if (!at) {
            fmt::print(stderr,
                       "reverse-traceroute-server: --metrics '{}' is not ADDR:PORT: give e.g. 127.0.0.1:9465 or "
                       "[::1]:9465\n",
                       metrics_at);
            return 2;
        }
        config.metrics_host = at->host;
        config.metrics_port = at->port;
    }
    config.ipv4 = !only_v6;
    config.ipv6 = !only_v4;
    const auto timeout_ns = rtt::server::parse_duration_ns(timeout);
    if (!timeout_ns) {
        fmt::print(stderr,
                   "reverse-traceroute-server: -t {} is not a duration: give a number with a unit (5s, 500ms) or "
                   "nanoseconds (5000000000)\n",
                   timeout);
        return 2;
    }
    if (*timeout_ns < rtt::server::kLeastSessionTimeoutNs || *timeout_ns > rtt::server::kMostSessionTimeoutNs) {
        fmt::print(stderr, "reverse-traceroute-server: -t {} is {}, outside 1ms to 10m{}: give e.g. -t 5s\n", timeout,
                   rtt::server::duration_text(*timeout_ns),
                   timeout.find_first_not_of("0123456789") == std::string::npos
                       ? " (a plain number is nanoseconds, as the Augsburg server takes it)"
                       : "");
        return 2;
    }
    config.timeout_ns = *timeout_ns;

    rtt::server::set_libbpf_verbose(config.verbose);
    install_signal_handlers();
    try {
        run(config);
    } catch (const rtt::server::ServerError& e) {
        fmt::print(stderr, "reverse-traceroute-server: {}\n", e.what());
        return 1;
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run_server(argc, argv);
    } catch (const std::exception& e) {
        // A bug of ours, never the operator's doing: still one sentence, not an abort.
        fmt::print(stderr, "reverse-traceroute-server: internal error ({}): please report it\n", e.what());
        return 70;  // EX_SOFTWARE
    }
}
