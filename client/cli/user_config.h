// SPDX-License-Identifier: MIT
// The per-user config file: defaults for any long option (`max-ttl = 20`, `[multipath]`
// `confidence = 0.01`), plus `collector = URL` and `token = TOKEN` for --transmit. Read by
// CLI11 (TOML-style key = value); --config names another file.
#pragma once

#include <string>

namespace rtt::client {

// $XDG_CONFIG_HOME/reverse-traceroute/config, default ~/.config/reverse-traceroute/config.
std::string default_config_path();

}  // namespace rtt::client
