// SPDX-License-Identifier: MIT
// reverse-traceroute-collector: stores submitted measurements and serves them (collector_service.h).
#include <signal.h>
#include <exception>

#include <cstdio>
#include <memory>
#include <thread>

#include <fmt/format.h>
#include <httplib.h>

#include "collector_error.h"
#include "collector_options.h"
#include "collector_service.h"

namespace {

// SIGINT/SIGTERM stop the server from a thread of their own (stop() is not async-signal-safe);
// the store then commits what is queued and closes the database.
// The signals are blocked in every thread (block_stop_signals() runs first in main).
sigset_t stop_signals() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    return signals;
}

std::thread stop_on_signal(httplib::Server& server) {
    const sigset_t signals = stop_signals();
    return std::thread([&server, signals] {
        int received = 0;
        sigwait(&signals, &received);
        server.stop();
    });
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
        const AccessControl access = options.open ? AccessControl() : AccessControl::from_file(options.token_file);
        MeasurementStore store(options.database);
        RequestRateLimiter limiter(options.rate, options.burst);

        std::unique_ptr<httplib::Server> server;
        if (options.tls_cert.empty()) {
            server = std::make_unique<httplib::Server>();
        } else {
            auto tls = std::make_unique<httplib::SSLServer>(options.tls_cert.c_str(), options.tls_key.c_str());
            if (!tls->is_valid())
                throw CollectorError(
                    "cannot load --tls-cert/--tls-key: give a PEM certificate and its matching "
                    "private key, both readable");
            server = std::move(tls);
        }
        const int threads = options.threads;
        server->new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
        install_collector_service(*server, store, access, limiter, options.max_body);

        int port = options.listen_port;
        const bool bound = port == 0 ? (port = server->bind_to_any_port(options.listen_host)) > 0
                                     : server->bind_to_port(options.listen_host, port);
        if (!bound)
            throw CollectorError(
                fmt::format("cannot listen on {}:{}: the port is in use or the address is not "
                            "this host's; give another --listen",
                            options.listen_host, options.listen_port));
        std::thread stopper = stop_on_signal(*server);
        std::fprintf(stderr, "reverse-traceroute-collector: listening on %s://%s:%d, database %s%s\n",
                     options.tls_cert.empty() ? "http" : "https",
                     options.listen_host.find(':') != std::string::npos ? ("[" + options.listen_host + "]").c_str()
                                                                        : options.listen_host.c_str(),
                     port, options.database.c_str(), access.open() ? ", open to anyone (--open)" : "");
        std::fflush(stderr);
        server->listen_after_bind();
        // Wakes the thread waiting in sigwait() if no signal came; it ends by itself.
        pthread_kill(stopper.native_handle(), SIGTERM);  // NOLINT(bugprone-bad-signal-to-kill-thread)
        stopper.join();
        std::fprintf(stderr, "reverse-traceroute-collector: stopped\n");
        return 0;
    } catch (const CollectorError& e) {
        std::fprintf(stderr, "reverse-traceroute-collector: %s\n", e.what());
        return 1;
    }
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
