// SPDX-License-Identifier: MIT
// reverse-traceroute-collector: stores submitted measurements and serves them (collector_service.h).
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <signal.h>

#include <cstdio>
#include <exception>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>

#include "collector_error.h"
#include "collector_options.h"
#include "collector_service.h"

#include <fmt/format.h>

namespace {

// SIGINT/SIGTERM are blocked in every thread (before any starts) and taken with sigwait() by
// the main thread, which then stops the server; the store commits what is queued and closes.
sigset_t stop_signals() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    return signals;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return in ? text.str() : std::string();
}

// The certificate and key, checked to be PEM and to belong together (libmicrohttpd would only
// fail to start, without saying why).
std::pair<std::string, std::string> tls_material(const rtt::collector::CollectorOptions& options) {
    const std::string cert = read_file(options.tls_cert), key = read_file(options.tls_key);
    BIO* cert_bio = BIO_new_mem_buf(cert.data(), static_cast<int>(cert.size()));
    BIO* key_bio = BIO_new_mem_buf(key.data(), static_cast<int>(key.size()));
    X509* x509 = cert_bio ? PEM_read_bio_X509(cert_bio, nullptr, nullptr, nullptr) : nullptr;
    EVP_PKEY* private_key = key_bio ? PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr) : nullptr;
    const bool valid = x509 && private_key && X509_check_private_key(x509, private_key) == 1;
    EVP_PKEY_free(private_key);
    X509_free(x509);
    BIO_free(key_bio);
    BIO_free(cert_bio);
    if (!valid)
        throw rtt::collector::CollectorError(
            "cannot load --tls-cert/--tls-key: give a PEM certificate and its matching private key, both readable");
    return {cert, key};
}

int run_collector(int argc, char** argv) {
    using namespace rtt::collector;
    const auto parsed = parse_collector_command_line(argc, argv);
    if (const auto* exit = std::get_if<CollectorParseExit>(&parsed)) {
        if (!exit->text.empty())
            std::fprintf(exit->exit_code == 0 ? stdout : stderr,
                         exit->exit_code == 0 ? "%s\n" : "reverse-traceroute-collector: %s\n", exit->text.c_str());
        return exit->exit_code;
    }
    const auto& options = std::get<CollectorOptions>(parsed);
    const sigset_t signals = stop_signals();
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before any thread starts: they inherit it
    try {
        AccessControl access = options.open ? AccessControl() : AccessControl::from_file(options.token_file);
        if (options.open_traces)
            access.open_traces();
        HttpServerOptions http;
        http.host = options.listen_host;
        http.port = options.listen_port;
        if (!options.tls_cert.empty())
            std::tie(http.tls_cert_pem, http.tls_key_pem) = tls_material(options);
        http.threads = static_cast<unsigned>(options.threads);
        http.connections = options.connections;
        http.connections_per_address = options.connections_per_address;
        http.header_deadline = std::chrono::seconds(options.header_deadline);
        http.request_deadline = std::chrono::seconds(options.request_deadline);
        http.max_body = options.max_body;
        http.body_memory = options.body_memory;
        http.trusted_proxies = options.trusted_proxies;

        const auto store = open_measurement_store(options.database);
        // Places for measurements that carry none: the database named (checked with the options),
        // else the first found; one found that cannot be read is said and left out.
        std::unique_ptr<rtt::GeoIpDatabase> places;
        try {
            places = rtt::open_geoip_database(options.geoip, [](const std::string& why) {
                std::fprintf(stderr, "reverse-traceroute-collector: %s; storing measurements without places\n",
                             why.c_str());
            });
        } catch (const rtt::MeasurementError& e) {
            throw CollectorError(e.what());
        }
        RequestRateLimiter limiter(options.rate, options.burst);
        // The looking glass: the prober is reached (or started) before the server listens.
        std::optional<TraceRunner> runner;
        std::optional<TraceTargetPolicy> policy;
        std::optional<LookingGlass> glass;
        if (options.looking_glass) {
            std::vector<rtt::Prefix> allowed;
            std::vector<rtt::Prefix> denied;
            for (const auto& prefix : options.trace_allow)
                allowed.push_back(*rtt::Prefix::parse(prefix));
            for (const auto& prefix : options.trace_deny)
                denied.push_back(*rtt::Prefix::parse(prefix));
            policy.emplace(std::move(allowed), std::move(denied), host_addresses());
            TraceRunnerSettings settings;
            settings.prober_socket = options.prober_socket;
            settings.prober_argv = {options.prober, "--pps", fmt::format("{}", options.trace_pps), "--max-running",
                                    std::to_string(options.trace_running)};
            settings.max_running = static_cast<std::size_t>(options.trace_running);
            settings.max_queued = static_cast<std::size_t>(options.trace_queue);
            settings.quota_per_hour = options.trace_quota;
            settings.deadline_s = options.trace_deadline;
            settings.places = places.get();
            runner.emplace(*store, std::move(settings));
            glass.emplace(LookingGlass{*runner, *policy});
        }
        CollectorMetrics metrics;
        HttpServer server(
            http, collector_handlers(*store, access, limiter, glass ? &*glass : nullptr, places.get(), &metrics));
        const std::string geoip_note =
            places ? fmt::format(", places from {} ({})", places->path(), places->database_type()) : std::string();
        std::fprintf(stderr, "reverse-traceroute-collector: listening on %s://%s:%d, database %s%s%s\n",
                     options.tls_cert.empty() ? "http" : "https",
                     options.listen_host.find(':') != std::string::npos ? ("[" + options.listen_host + "]").c_str()
                                                                        : options.listen_host.c_str(),
                     server.port(), redacted_database(options.database).c_str(), geoip_note.c_str(),
                     access.open() ? ", open to anyone (--open)" : "");
        std::fflush(stderr);
        int received = 0;
        sigwait(&signals, &received);
        std::fprintf(stderr, "reverse-traceroute-collector: stopping\n");
    } catch (const CollectorError& e) {
        std::fprintf(stderr, "reverse-traceroute-collector: %s\n", e.what());
        return 1;
    }
    std::fprintf(stderr, "reverse-traceroute-collector: stopped\n");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run_collector(argc, argv);
    } catch (const std::exception& e) {
        // A bug of ours, never the operator's doing: still one sentence, not an abort.
        std::fprintf(stderr, "reverse-traceroute-collector: internal error (%s): please report it\n", e.what());
        return 70;  // EX_SOFTWARE
    }
}
