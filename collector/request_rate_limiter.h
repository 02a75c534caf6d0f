// SPDX-License-Identifier: MIT
// Per-client request rate limit (token bucket per remote address): a client may send `burst`
// requests at once and `rate` per second on average; beyond that it gets 429.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace rtt::collector {

class RequestRateLimiter {
public:
    RequestRateLimiter(double rate_per_second, double burst);

    // True if the client at `address` may make a request now (and counts it).
    bool admit(const std::string& address);

private:
    struct Bucket {
        double tokens;
        std::chrono::steady_clock::time_point updated;
    };
    double rate_;
    double burst_;
    std::mutex mutex_;
    std::map<std::string, Bucket> buckets_;
    std::chrono::steady_clock::time_point last_sweep_ = std::chrono::steady_clock::now();
};

}  // namespace rtt::collector
