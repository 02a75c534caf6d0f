// SPDX-License-Identifier: MIT
#include "local_addresses.h"

#include <ifaddrs.h>
#include <netinet/in.h>

#include <algorithm>

namespace rtt::server {

std::vector<IpAddress> host_addresses() {
    std::vector<IpAddress> out;
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0)
        return out;
    for (ifaddrs* i = list; i; i = i->ifa_next) {
        if (!i->ifa_addr)
            continue;
        if (i->ifa_addr->sa_family == AF_INET) {
            const auto* a = reinterpret_cast<const sockaddr_in*>(i->ifa_addr);
            out.push_back(IpAddress::from_v4(
                std::span<const std::uint8_t, 4>(reinterpret_cast<const std::uint8_t*>(&a->sin_addr), 4)));
        } else if (i->ifa_addr->sa_family == AF_INET6) {
            const auto* a = reinterpret_cast<const sockaddr_in6*>(i->ifa_addr);
            out.push_back(IpAddress::from_v6(
                std::span<const std::uint8_t, 16>(reinterpret_cast<const std::uint8_t*>(&a->sin6_addr), 16)));
        }
    }
    freeifaddrs(list);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

}  // namespace rtt::server
