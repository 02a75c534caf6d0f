// SPDX-License-Identifier: MIT
// Conversions between IpAddress and the sockaddr structures of the socket API.
#pragma once

#include <sys/socket.h>

#include <cstdint>

#include "ip_address.h"

namespace rtt::client {

sockaddr_storage to_sockaddr(const IpAddress& address, std::uint16_t port, socklen_t& length);
IpAddress from_sockaddr(const sockaddr* address);

}  // namespace rtt::client
