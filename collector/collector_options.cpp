// SPDX-License-Identifier: MIT
#include "collector_options.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "cli_documents.h"
#include "host_port.h"
#include "measurement/geoip_database.h"
#include "rtt_version.h"
#include "trace_target_policy.h"

namespace rtt::collector {

std::variant<CollectorOptions, CollectorParseExit> parse_collector_command_line(int argc, const char* const* argv) {
    CollectorOptions o;
    std::string listen = "127.0.0.1:8080";
    CLI::App app{
        "Receives measurements submitted with `reverse-traceroute --transmit`, stores them in SQLite or "
        "PostgreSQL and serves them (JSON API, SVG graphs, a web page).",
        "reverse-traceroute-collector"};
    app.set_version_flag("-V,--version", "reverse-traceroute-collector " RTT_VERSION_STRING);
    add_document_options(
        app, {"reverse-traceroute-collector",
              8,
              "store measurements submitted with reverse-traceroute --transmit and serve them",
              "--listen ADDR:PORT --db PATH (--token-file PATH | --open) [OPTIONS]",
              {},
              {{"db", {"<file>"}}, {"token-file", {"<file>"}}, {"tls-cert", {"<file>"}}, {"tls-key", {"<file>"}}},
              {},
              {},
              {}});
    app.add_option("--listen", listen, "Address and port to serve HTTP(S) on; port 0 picks a free one")
        ->capture_default_str();
    app.add_option("--db,--database", o.database,
                   "SQLite database file (created if missing), or postgresql://USER@HOST/NAME: a PostgreSQL "
                   "database that several collectors may share")
        ->capture_default_str();
    app.add_option("--geoip", o.geoip,
                   "GeoIP database (.mmdb) placing the hops of measurements that carry no places (default: the "
                   "first in /usr/share/GeoIP, /var/lib/GeoIP; if there is none, no places)")
        ->type_name("FILE");
    auto* tokens = app.add_option("--token-file", o.token_file,
                                  "File of bearer tokens, one per line, accepted for reads and writes");
    auto* open = app.add_flag("--open", o.open, "Accept requests without a token (for a closed network only)");
    tokens->excludes(open);
    auto* cert = app.add_option("--tls-cert", o.tls_cert, "PEM certificate chain: serve HTTPS");
    auto* key = app.add_option("--tls-key", o.tls_key, "PEM private key of --tls-cert");
    cert->needs(key);
    key->needs(cert);
    app.add_option("--max-body", o.max_body, "Largest accepted request body in bytes (larger: 413)")
        ->capture_default_str();
    app.add_option("--rate", o.rate, "Requests per second allowed per client address (more: 429)")
        ->capture_default_str();
    app.add_option("--burst", o.burst, "Requests a client address may make at once")->capture_default_str();
    app.add_option("--threads", o.threads, "Event-loop threads (each serves many connections)")->capture_default_str();
    app.add_option("--connections", o.connections, "Open connections at most, in all (more are refused)")
        ->capture_default_str();
    app.add_option("--connections-per-address", o.connections_per_address,
                   "Open connections at most from one client address")
        ->capture_default_str();
    app.add_option("--header-deadline", o.header_deadline,
                   "Seconds a client has to send a request's headers (then the connection is closed)")
        ->capture_default_str();
    app.add_option("--request-deadline", o.request_deadline,
                   "Seconds a client has to send a whole request, body included")
        ->capture_default_str();
    app.add_option("--body-memory", o.body_memory,
                   "Bytes of request bodies held at once, in all (more submissions at a time: 503, retry)")
        ->capture_default_str();
    app.add_option("--trusted-proxy", o.trusted_proxies,
                   "Address of a reverse proxy whose X-Forwarded-For names the client (repeatable)");
    constexpr const char* kGlass = "Looking glass (traces on request)";
    auto* glass = app.add_flag("--looking-glass", o.looking_glass,
                               "Run traces on request (POST /api/v1/traces) through reverse-traceroute-prober")
                      ->group(kGlass);
    auto* socket = app.add_option("--prober-socket", o.prober_socket,
                                  "Unix socket of a running reverse-traceroute-prober (the packaged service's)")
                       ->group(kGlass);
    auto* prober = app.add_option("--prober", o.prober, "Prober to start when no --prober-socket is given")
                       ->capture_default_str()
                       ->group(kGlass);
    auto* pps = app.add_option("--trace-pps", o.trace_pps,
                               "Probes per second of all traces together (the started prober's --pps)")
                    ->capture_default_str()
                    ->group(kGlass);
    socket->excludes(prober)->excludes(pps);
    std::vector<CLI::Option*> glass_options{socket, prober, pps};
    glass_options.push_back(app.add_flag("--open-traces", o.open_traces,
                                         "Anyone may start traces, without a token (quotas per address still hold)")
                                ->group(kGlass));
    glass_options.push_back(app.add_option("--trace-running", o.trace_running, "Traces running at once")
                                ->capture_default_str()
                                ->group(kGlass));
    glass_options.push_back(app.add_option("--trace-queue", o.trace_queue, "Traces waiting at most (more: 503)")
                                ->capture_default_str()
                                ->group(kGlass));
    glass_options.push_back(app.add_option("--trace-quota", o.trace_quota,
                                           "Traces an hour per token and per client address (more: 429); 0: no quota")
                                ->capture_default_str()
                                ->group(kGlass));
    glass_options.push_back(app.add_option("--trace-deadline", o.trace_deadline, "Seconds each trace may take")
                                ->capture_default_str()
                                ->group(kGlass));
    glass_options.push_back(
        app.add_option("--trace-allow", o.trace_allow,
                       "Prefix that may be traced although special-purpose, e.g. 198.18.0.0/15 (repeatable)")
            ->group(kGlass));
    glass_options.push_back(
        app.add_option("--trace-deny", o.trace_deny, "Prefix never traced (repeatable)")->group(kGlass));
    for (auto* option : glass_options)
        option->needs(glass);
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        return CollectorParseExit{0, app.help()};
    } catch (const CLI::CallForVersion&) {
        return CollectorParseExit{0, app.version()};
    } catch (const CLI::Success&) {
        return CollectorParseExit{0, ""};  // --man, --completion: already printed
    } catch (const CLI::ParseError& e) {
        return CollectorParseExit{2, fmt::format("{} (see `reverse-traceroute-collector --help`)", e.what())};
    }
    const auto listen_at = parse_host_port(listen);
    if (!listen_at)
        return CollectorParseExit{2, fmt::format("--listen '{}' is not ADDR:PORT: give e.g. 127.0.0.1:8080 or "
                                                 "[::]:8080",
                                                 listen)};
    o.listen_host = listen_at->host;
    o.listen_port = listen_at->port;
    if (o.token_file.empty() && !o.open)
        return CollectorParseExit{2,
                                  "no --token-file given: give a file of tokens, or --open to accept anyone "
                                  "(only on a closed network)"};
    if (!(o.rate > 0) || !(o.burst >= 1))
        return CollectorParseExit{2, "--rate must be above 0 and --burst at least 1"};
    if (o.max_body < 1024)
        return CollectorParseExit{2, "--max-body below 1024 bytes would refuse every measurement: give more"};
    if (o.threads < 1 || o.threads > 64)
        return CollectorParseExit{2, "--threads out of range: give 1 to 64"};
    if (o.connections < 1 || o.connections_per_address < 1 || o.connections_per_address > o.connections)
        return CollectorParseExit{
            2, "--connections and --connections-per-address must be at least 1, the second at most the first"};
    if (o.header_deadline < 1 || o.request_deadline < o.header_deadline)
        return CollectorParseExit{
            2, "--header-deadline must be at least 1 second and --request-deadline at least as long"};
    if (o.body_memory < o.max_body)
        return CollectorParseExit{2, "--body-memory below --max-body would refuse the largest measurements: give more"};
    if (o.trace_running < 1 || o.trace_running > 32)
        return CollectorParseExit{2, "--trace-running out of range: give 1 to 32 traces at once"};
    if (o.trace_queue < 0 || o.trace_queue > 1000)
        return CollectorParseExit{2, "--trace-queue out of range: give 0 to 1000 waiting traces"};
    if (o.trace_quota < 0)
        return CollectorParseExit{2, "--trace-quota must be 0 (no quota) or more"};
    if (!(o.trace_deadline >= 1 && o.trace_deadline <= 3600))
        return CollectorParseExit{2, "--trace-deadline out of range: give 1 to 3600 seconds"};
    if (!(o.trace_pps >= 1 && o.trace_pps <= 100000))
        return CollectorParseExit{2, "--trace-pps out of range: give 1 to 100000 probes per second"};
    for (const auto* list : {&o.trace_allow, &o.trace_deny})
        for (const auto& prefix : *list)
            if (!Prefix::parse(prefix))
                return CollectorParseExit{
                    2, fmt::format("--trace-{} '{}' is not a prefix: give e.g. 198.18.0.0/15 or 2001:db8::/32",
                                   list == &o.trace_allow ? "allow" : "deny", prefix)};
    if (!o.geoip.empty()) {
        try {
            const GeoIpDatabase database(o.geoip);
        } catch (const MeasurementError& e) {
            return CollectorParseExit{2, e.what()};
        }
    }
    for (const auto& proxy : o.trusted_proxies) {
        in6_addr v6{};
        in_addr v4{};
        if (inet_pton(AF_INET, proxy.c_str(), &v4) != 1 && inet_pton(AF_INET6, proxy.c_str(), &v6) != 1)
            return CollectorParseExit{
                2, fmt::format("--trusted-proxy '{}' is not an address: give the proxy's IPv4 or IPv6 address", proxy)};
    }
    return o;
}

}  // namespace rtt::collector
