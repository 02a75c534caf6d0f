// SPDX-License-Identifier: MIT
#include "host_port.h"

namespace rtt {

std::optional<HostPort> parse_host_port(const std::string& text) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos)
        return std::nullopt;
    std::string host = text.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    const std::string port = text.substr(colon + 1);
    if (port.empty() || port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5)
        return std::nullopt;
    const int number = std::stoi(port);
    if (number > 65535)
        return std::nullopt;
    return HostPort{host.empty() ? "0.0.0.0" : host, number};
}

}  // namespace rtt
