// SPDX-License-Identifier: MIT
#include "transmit/transmit_settings.h"

#include <unistd.h>

#include <cstdlib>

#include <fmt/format.h>

#include "cli/user_config.h"
#include "client_error.h"

namespace rtt::client {
namespace {

std::string environment(const char* name) {
    const char* value = std::getenv(name);
    return value ? value : "";
}

}  // namespace

TransmitSettings transmit_settings(const ClientOptions& options) {
    TransmitSettings settings;
    settings.collector = options.transmit_url;
    if (settings.collector.empty())
        settings.collector = environment("REVERSE_TRACEROUTE_COLLECTOR");
    if (settings.collector.empty())
        settings.collector = options.collector;
    if (settings.collector.empty())
        throw ClientError(
            fmt::format("--transmit has no collector URL: give --transmit URL, set "
                        "REVERSE_TRACEROUTE_COLLECTOR or write `collector = URL` in {}",
                        default_config_path()));
    if (settings.collector.rfind("http://", 0) != 0 && settings.collector.rfind("https://", 0) != 0)
        throw ClientError(
            fmt::format("collector URL '{}' is not http:// or https://: give e.g. "
                        "https://collector.example.net",
                        settings.collector));
    while (settings.collector.size() > 8 && settings.collector.back() == '/')
        settings.collector.pop_back();
    settings.token = environment("REVERSE_TRACEROUTE_TOKEN");
    if (settings.token.empty())
        settings.token = options.token;
    settings.confirm = !options.assume_yes;
    if (settings.confirm && !isatty(STDIN_FILENO))
        throw ClientError(
            "--transmit asks before sending and there is no terminal to ask on: add -y to send "
            "without asking");
    return settings;
}

std::string unsent_folder() {
    std::string state = environment("XDG_STATE_HOME");
    if (state.empty()) {
        const std::string home = environment("HOME");
        state = (home.empty() ? std::string("/tmp") : home) + "/.local/state";
    }
    return state + "/reverse-traceroute/unsent";
}

}  // namespace rtt::client
