// SPDX-License-Identifier: MIT
// Reverse DNS for the addresses a trace finds: each lookup starts as soon as the address is
// seen and runs in parallel with probing; a caller waits for a name at most until a deadline.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "ip_address.h"

namespace rtt::client {

class ReverseResolver {
public:
    // `enabled` false (-n): no lookups, every name is unknown. `limit`: the longest any one
    // lookup may hold up output.
    ReverseResolver(bool enabled, std::chrono::milliseconds limit);

    void start(const IpAddress& address);
    // The name of `address`, waiting for its lookup until its deadline; nullopt if none.
    std::optional<std::string> name(const IpAddress& address);
    // The name of `address` if its lookup has finished, without waiting (the live view).
    std::optional<std::string> known_name(const IpAddress& address);
    // Every name found so far (for the measurement's "hostnames").
    std::map<IpAddress, std::string> names();

private:
    struct Lookup {
        std::chrono::steady_clock::time_point deadline;
        bool done = false;
        std::optional<std::string> name;
    };
    // Shared with the lookup threads, which may outlive this object when a lookup hangs.
    struct State {
        std::mutex mutex;
        std::condition_variable changed;
        std::map<IpAddress, Lookup> lookups;
    };

    bool enabled_;
    std::chrono::milliseconds limit_;
    std::shared_ptr<State> state_;
};

}  // namespace rtt::client
