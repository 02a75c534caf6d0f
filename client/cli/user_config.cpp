// SPDX-License-Identifier: MIT
#include "cli/user_config.h"

#include <cstdlib>

namespace rtt::client {

std::string default_config_path() {
    if (const char* config = std::getenv("XDG_CONFIG_HOME"); config && *config)
        return std::string(config) + "/reverse-traceroute/config";
    const char* home = std::getenv("HOME");
    return std::string(home && *home ? home : "") + "/.config/reverse-traceroute/config";
}

}  // namespace rtt::client
