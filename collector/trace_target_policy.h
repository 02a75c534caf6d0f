// SPDX-License-Identifier: MIT
// Which addresses the looking glass may trace: not this host's own, and not the special-purpose
// ranges (loopback, private, shared, link-local, multicast, documentation, benchmarking,
// reserved) unless the operator allows a prefix as long or longer (--trace-allow); --trace-deny
// refuses more. Between --trace-allow and --trace-deny the longest matching prefix decides, the
// refusal on a tie. A name is checked after resolution:
// every address it has in the family traced must pass, and the first is the one probed, so a
// name cannot smuggle a refused address past the check.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host_like.h"
#include "ip_address.h"
#include "ip_prefix.h"

namespace rtt::collector {

class TraceTargetPolicy {
public:
    // `own`: this host's addresses, refused whatever is allowed.
    TraceTargetPolicy(std::vector<Prefix> allowed, std::vector<Prefix> denied, std::vector<IpAddress> own);

    // Why `address` may not be traced (one sentence naming it, or `subject` instead, and the
    // fix), or nullopt.
    std::optional<std::string> refusal(const IpAddress& address, const std::string& subject = {}) const;

    // The address to probe for `target` (a host name or an address), in `family` if given,
    // else the resolver's first; throws TraceRefused with one sentence.
    IpAddress resolve(const std::string& target, std::optional<Family> family) const;

private:
    std::vector<Prefix> allowed_;
    std::vector<Prefix> denied_;
    std::vector<IpAddress> own_;
};

// This host's interface addresses (getifaddrs).
std::vector<IpAddress> host_addresses();

}  // namespace rtt::collector
