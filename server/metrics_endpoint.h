// SPDX-License-Identifier: MIT
// The HTTP endpoint of --metrics ADDR:PORT: GET /metrics answers with what `scrape` returns; any
// other request gets 404. Two threads, short timeouts and no request bodies: a scraper is all it
// serves, and a router should put it on loopback or a management address.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace httplib {
class Server;
}

namespace rtt::server {

class MetricsEndpoint {
public:
    // Listens at once; throws ServerError (one sentence) if it cannot.
    MetricsEndpoint(const std::string& host, int port, std::function<std::string()> scrape);
    ~MetricsEndpoint();
    MetricsEndpoint(const MetricsEndpoint&) = delete;
    MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;

    int port() const { return port_; }

private:
    std::unique_ptr<httplib::Server> server_;
    std::thread thread_;
    int port_ = 0;
};

}  // namespace rtt::server
