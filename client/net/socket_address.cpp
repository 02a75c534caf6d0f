// SPDX-License-Identifier: MIT
#include "socket_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <array>
#include <cstring>

namespace rtt::client {

sockaddr_storage to_sockaddr(const IpAddress& address, std::uint16_t port, socklen_t& length) {
    sockaddr_storage storage{};
    if (address.is_v4()) {
        auto* in = reinterpret_cast<sockaddr_in*>(&storage);
        in->sin_family = AF_INET;
        in->sin_port = htons(port);
        std::memcpy(&in->sin_addr, address.header_bytes().data(), 4);
        length = sizeof(sockaddr_in);
    } else {
        auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(port);
        std::memcpy(&in6->sin6_addr, address.wire().data(), 16);
        length = sizeof(sockaddr_in6);
    }
    return storage;
}

IpAddress from_sockaddr(const sockaddr* address) {
    if (address->sa_family == AF_INET) {
        std::array<std::uint8_t, 4> b{};
        std::memcpy(b.data(), &reinterpret_cast<const sockaddr_in*>(address)->sin_addr, 4);
        return IpAddress::from_v4(b);
    }
    std::array<std::uint8_t, 16> b{};
    std::memcpy(b.data(), &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr, 16);
    return IpAddress::from_v6(b);
}

}  // namespace rtt::client
