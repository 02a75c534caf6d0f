// SPDX-License-Identifier: MIT
// The per-user config file: defaults for any long option (`max-ttl = 20`), engine options at
// the top or in their engine's section (`[multipath]` `confidence = 0.01`: used only when
// tracing multipath), plus `collector = URL` and `token = TOKEN` for --transmit. TOML-style
// key = value, read by CLI11; --config names another file. A key the program does not know is
// an error that names it: a typo must not silently leave a default in place.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace rtt::client {

// $XDG_CONFIG_HOME/reverse-traceroute/config, default ~/.config/reverse-traceroute/config.
std::string default_config_path();

// A key or section the program does not accept; what() is the sentence for the user (without
// the file name, which the caller adds).
class UserConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Reads the file as CLI11's TOML reader does, then checks every key against `app`'s options and
// flattens the engine sections. `engine_group` maps a section name ("singlepath") to the CLI11
// group of its options; `chosen_engine` says which engine the command line chose, so that the
// other engine's section is left out.
class UserConfigFormat final : public CLI::ConfigTOML {
public:
    UserConfigFormat(const CLI::App& app, std::vector<std::pair<std::string, std::string>> engine_groups,
                     std::function<std::string()> chosen_engine);

    std::vector<CLI::ConfigItem> from_config(std::istream& input) const override;

private:
    const CLI::App& app_;
    std::vector<std::pair<std::string, std::string>> engine_groups_;  // section, group
    std::function<std::string()> chosen_engine_;
};

}  // namespace rtt::client
