// SPDX-License-Identifier: MIT
#include "reverse_resolver.h"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <thread>

#include "net/socket_address.h"

namespace rtt::client {
namespace {

std::optional<std::string> lookup_name(const IpAddress& address) {
    socklen_t length = 0;
    sockaddr_storage storage = to_sockaddr(address, 0, length);
    char host[NI_MAXHOST];
    if (getnameinfo(reinterpret_cast<sockaddr*>(&storage), length, host, sizeof host, nullptr, 0, NI_NAMEREQD) != 0)
        return std::nullopt;
    return std::string(host);
}

}  // namespace

ReverseResolver::ReverseResolver(bool enabled, std::chrono::milliseconds limit)
    : enabled_(enabled), limit_(limit), state_(std::make_shared<State>()) {}

void ReverseResolver::start(const IpAddress& address) {
    if (!enabled_)
        return;
    {
        std::lock_guard lock(state_->mutex);
        if (state_->lookups.contains(address))
            return;
        state_->lookups[address].deadline = std::chrono::steady_clock::now() + limit_;
    }
    // Detached: getnameinfo cannot be cancelled, and a hanging lookup must not delay exit.
    std::thread([state = state_, address] {
        auto name = lookup_name(address);
        std::lock_guard lock(state->mutex);
        Lookup& lookup = state->lookups[address];
        lookup.done = true;
        lookup.name = std::move(name);
        state->changed.notify_all();
    }).detach();
}

std::optional<std::string> ReverseResolver::name(const IpAddress& address) {
    if (!enabled_)
        return std::nullopt;
    start(address);
    std::unique_lock lock(state_->mutex);
    const auto deadline = state_->lookups[address].deadline;
    state_->changed.wait_until(lock, deadline, [&] { return state_->lookups[address].done; });
    return state_->lookups[address].name;
}

std::optional<std::string> ReverseResolver::known_name(const IpAddress& address) {
    if (!enabled_)
        return std::nullopt;
    start(address);
    std::lock_guard lock(state_->mutex);
    return state_->lookups[address].name;
}

std::map<IpAddress, std::string> ReverseResolver::names() {
    std::map<IpAddress, std::string> out;
    std::lock_guard lock(state_->mutex);
    for (const auto& [address, lookup] : state_->lookups)
        if (lookup.name)
            out.emplace(address, *lookup.name);
    return out;
}

}  // namespace rtt::client
