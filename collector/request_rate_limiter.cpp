// SPDX-License-Identifier: MIT
#include "request_rate_limiter.h"

#include <algorithm>

namespace rtt::collector {

RequestRateLimiter::RequestRateLimiter(double rate_per_second, double burst) : rate_(rate_per_second), burst_(burst) {}

bool RequestRateLimiter::admit(const std::string& address) {
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex_);
    // Forget full buckets now and then, so many one-time clients do not grow the map forever.
    if (now - last_sweep_ > std::chrono::minutes(1)) {
        std::erase_if(buckets_, [&](const auto& entry) {
            const double seconds = std::chrono::duration<double>(now - entry.second.updated).count();
            return entry.second.tokens + seconds * rate_ >= burst_;
        });
        last_sweep_ = now;
    }
    auto [bucket, added] = buckets_.try_emplace(address, Bucket{burst_, now});
    Bucket& b = bucket->second;
    const double seconds = std::chrono::duration<double>(now - b.updated).count();
    b.tokens = std::min(burst_, b.tokens + seconds * rate_);
    b.updated = now;
    if (b.tokens < 1.0)
        return false;
    b.tokens -= 1.0;
    return true;
}

}  // namespace rtt::collector
