// SPDX-License-Identifier: MIT
// Everything the server is told on its command line, independent of how it was parsed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rtt::server {

struct ServerConfig {
    std::string interface;
    bool ipv4 = true;
    bool ipv6 = true;
    std::uint32_t max_sessions = 65536;
    std::uint32_t source_sessions = 512;  // sessions one source (IPv6: one /64) may hold; 0 = no limit
    std::uint64_t timeout_ns = 5'000'000'000ULL;
    std::uint64_t source_rate = 200;  // requests/s per source (IPv6: per /64); 0 = unlimited
    std::uint64_t source_burst = 500;
    std::uint64_t global_rate = 20000;  // requests/s overall; 0 = unlimited
    std::uint64_t global_burst = 20000;
    std::vector<std::string> allow;  // CIDR prefixes; empty = everyone
    bool require_padding = false;    // refuse requests shorter than a success response
    unsigned stats_interval_s = 60;  // 0 = only on exit
    bool verbose = false;
    std::string metrics_host;  // --metrics ADDR:PORT; empty host: no metrics endpoint
    int metrics_port = 0;
};

}  // namespace rtt::server
