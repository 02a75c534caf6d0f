// SPDX-License-Identifier: MIT
// Where a trace goes and where it comes from: the target's address (a name resolved with the
// -4/-6 preference) and the local source address the kernel would route from (or -s).
#pragma once

#include <optional>
#include <string>

#include "ip_address.h"

namespace rtt::client {

// Resolves a host name or address literal; throws ClientError with one sentence on failure.
IpAddress resolve_target(const std::string& target, std::optional<Family> family);

// The source address for probes to `target`: `requested` (checked to be one of ours and of
// the same family) or the one the routing table picks, through `interface` when given.
IpAddress choose_source(const IpAddress& target, const std::string& requested, const std::string& interface);

// The MTU of the route from `source` to `target` as the kernel knows it (the device's, or a
// smaller one learnt from the path); nullopt if it cannot tell. Sends nothing.
std::optional<int> route_mtu(const IpAddress& source, const IpAddress& target, const std::string& interface);

// The MTU of the interface that holds `source` (or `interface`, when given): where path MTU
// discovery starts, whatever the kernel has learnt about the path; nullopt if it cannot tell.
std::optional<int> interface_mtu(const IpAddress& source, const std::string& interface);

}  // namespace rtt::client
