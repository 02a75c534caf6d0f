// SPDX-License-Identifier: MIT
#include "metrics_endpoint.h"

#include <httplib.h>
#include <signal.h>

#include <fmt/format.h>

#include "prometheus_text.h"
#include "server_error.h"

namespace rtt::server {

MetricsEndpoint::MetricsEndpoint(const std::string& host, int port, std::function<std::string()> scrape)
    : server_(std::make_unique<httplib::Server>()) {
    server_->new_task_queue = [] { return new httplib::ThreadPool(2); };
    server_->set_read_timeout(5, 0);
    server_->set_write_timeout(5, 0);
    server_->set_keep_alive_max_count(100);
    server_->set_payload_max_length(1024);
    // SO_REUSEADDR (a restarted server binds at once) but not httplib's SO_REUSEPORT, with which
    // a second server would share the port silently instead of being told it is taken.
    server_->set_socket_options([](int socket) {
        int yes = 1;
        setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    server_->Get("/metrics", [scrape = std::move(scrape)](const httplib::Request&, httplib::Response& res) {
        res.set_content(scrape(), kPrometheusContentType);
    });
    port_ = port == 0 ? server_->bind_to_any_port(host) : (server_->bind_to_port(host, port) ? port : -1);
    if (port_ < 0)
        throw ServerError(
            fmt::format("cannot listen on {}:{} for --metrics: the address is not this host's or "
                        "the port is taken; give another --metrics ADDR:PORT",
                        host, port));
    thread_ = std::thread([this] {
        // The main thread takes SIGINT and SIGTERM (its loop checks for them), not this one.
        sigset_t signals;
        sigemptyset(&signals);
        sigaddset(&signals, SIGINT);
        sigaddset(&signals, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &signals, nullptr);
        server_->listen_after_bind();
    });
}

MetricsEndpoint::~MetricsEndpoint() {
    server_->stop();
    thread_.join();
}

}  // namespace rtt::server
