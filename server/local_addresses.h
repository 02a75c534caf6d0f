// SPDX-License-Identifier: MIT
// The host's own IPv4/IPv6 addresses, read with getifaddrs(3). The server keeps the program's
// local-address map in step with them so that requests to other hosts pass untouched.
#pragma once

#include <vector>

#include "ip_address.h"

namespace rtt::server {

std::vector<IpAddress> host_addresses();

}  // namespace rtt::server
