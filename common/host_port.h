// SPDX-License-Identifier: MIT
// "ADDR:PORT", "[V6ADDR]:PORT" or ":PORT" (all addresses, 0.0.0.0), as --listen and --metrics
// take them; the address is not resolved here.
#pragma once

#include <optional>
#include <string>

namespace rtt {

struct HostPort {
    std::string host;
    int port = 0;
};

std::optional<HostPort> parse_host_port(const std::string& text);

}  // namespace rtt
