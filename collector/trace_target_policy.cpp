// SPDX-License-Identifier: MIT
#include "trace_target_policy.h"

#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <future>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include "collector_error.h"

namespace rtt::collector {
namespace {

// A remote party chooses the name, and so how slowly its DNS answers: a lookup runs in a thread
// of its own, the HTTP thread that asked waits for it kLookupWait at most, and at most
// kMaxLookups run at once (those given up on included), so slow names can hold neither the
// collector's event loops nor more than a few threads.
constexpr auto kLookupWait = std::chrono::seconds(2);
constexpr int kMaxLookups = 4;
std::atomic<int> lookups_running{0};

struct Lookup {
    int rc = 0;
    std::vector<IpAddress> addresses;
};

// The address a socket address holds (IPv4 or IPv6), or nullopt.
std::optional<IpAddress> address_of(const sockaddr* address) {
    if (address->sa_family == AF_INET) {
        std::uint8_t bytes[4];
        std::memcpy(bytes, &reinterpret_cast<const sockaddr_in*>(address)->sin_addr, 4);
        return IpAddress::from_v4(bytes);
    }
    if (address->sa_family == AF_INET6) {
        std::uint8_t bytes[16];
        std::memcpy(bytes, &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr, 16);
        return IpAddress::from_wire(bytes);
    }
    return std::nullopt;
}

Lookup resolve_now(const std::string& target, std::optional<Family> family) {
    addrinfo hints{};
    hints.ai_family = !family ? AF_UNSPEC : *family == Family::v4 ? AF_INET : AF_INET6;
    hints.ai_socktype = SOCK_DGRAM;
    addrinfo* found = nullptr;
    Lookup lookup;
    lookup.rc = getaddrinfo(target.c_str(), nullptr, &hints, &found);
    if (lookup.rc != 0)
        return lookup;
    for (const addrinfo* entry = found; entry != nullptr; entry = entry->ai_next) {
        const auto address = address_of(entry->ai_addr);
        if (address && std::find(lookup.addresses.begin(), lookup.addresses.end(), *address) == lookup.addresses.end())
            lookup.addresses.push_back(*address);
    }
    freeaddrinfo(found);
    return lookup;
}

std::vector<IpAddress> looked_up(const std::string& target, std::optional<Family> family) {
    if (lookups_running.fetch_add(1) >= kMaxLookups) {
        --lookups_running;
        throw TraceRefused(503, "too many names are being looked up at once: try again in a few seconds", 5);
    }
    auto result = std::make_shared<std::promise<Lookup>>();
    auto answer = result->get_future();
    try {
        std::thread([target, family, result] {
            result->set_value(resolve_now(target, family));
            --lookups_running;
        }).detach();
    } catch (const std::system_error&) {
        --lookups_running;
        throw TraceRefused(503, "the collector cannot look names up now: try again in a few seconds", 5);
    }
    if (answer.wait_for(kLookupWait) != std::future_status::ready)
        throw TraceRefused(422, fmt::format("{} did not resolve within {} s: check the name, or give an address",
                                            target, kLookupWait.count()));
    const Lookup lookup = answer.get();
    if (lookup.rc != 0)
        throw TraceRefused(422,
                           fmt::format("{} does not resolve ({}): check the name", target, gai_strerror(lookup.rc)));
    return lookup.addresses;
}

}  // namespace

TraceTargetPolicy::TraceTargetPolicy(std::vector<Prefix> allowed, std::vector<Prefix> denied,
                                     std::vector<IpAddress> own)
    : allowed_(std::move(allowed)), denied_(std::move(denied)), own_(std::move(own)) {}

std::optional<std::string> TraceTargetPolicy::refusal(const IpAddress& address, const std::string& subject) const {
    const std::string text = subject.empty() ? address.to_string() : subject;
    if (std::find(own_.begin(), own_.end(), address) != own_.end())
        return fmt::format("{} is an address of the looking glass's own host: trace another one", text);
    // The longest matching prefix decides; a refusal wins a tie.
    int allow_length = -1;
    for (const auto& prefix : allowed_)
        if (prefix.contains(address))
            allow_length = std::max(allow_length, prefix.length);
    int deny_length = -1;
    std::string why;
    for (const auto& prefix : denied_)
        if (prefix.contains(address) && prefix.length > deny_length) {
            deny_length = prefix.length;
            why = fmt::format("{} is in {}, a prefix this looking glass does not trace (--trace-deny)", text,
                              prefix.to_string());
        }
    if (deny_length >= 0 && deny_length >= allow_length)
        return why;
    // A special-purpose range gives way to an allowed prefix as long as it or longer.
    if (const SpecialRange* special = special_range(address); special && special->prefix.length > allow_length)
        return fmt::format(
            "{} is a {} address, not one on the Internet: trace a public address (the operator "
            "may allow {} with --trace-allow)",
            text, special->what, special->prefix.to_string());
    return std::nullopt;
}

IpAddress TraceTargetPolicy::resolve(const std::string& target, std::optional<Family> family) const {
    if (!host_like(target))
        throw TraceRefused(400, fmt::format("\"{}\" is not a host name or address", target.substr(0, 80)));
    std::vector<IpAddress> addresses;
    if (const auto literal = IpAddress::parse(target)) {
        addresses.push_back(*literal);
    } else {
        addresses = looked_up(target, family);
        if (addresses.empty())
            throw TraceRefused(422, fmt::format("{} has no IPv4 or IPv6 address: check the name", target));
    }
    if (family && (addresses.front().family() == Family::v4) != (*family == Family::v4))
        throw TraceRefused(422, fmt::format("{} is not an IPv{} address", target, *family == Family::v4 ? 4 : 6));
    // Every address of the family probed must pass: which one a resolver gives first may change.
    const Family probed = addresses.front().family();
    for (const auto& address : addresses)
        if (address.family() == probed)
            if (refusal(address))
                throw TraceRefused(
                    403, *refusal(address, address.to_string() == target
                                               ? std::string()
                                               : fmt::format("{} resolves to {}, which", target, address.to_string())));
    return addresses.front();
}

std::vector<IpAddress> host_addresses() {
    std::vector<IpAddress> own;
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0)
        return own;
    for (const ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next)
        if (entry->ifa_addr != nullptr)
            if (const auto address = address_of(entry->ifa_addr))
                own.push_back(*address);
    freeifaddrs(list);
    return own;
}

}  // namespace rtt::collector
