// SPDX-License-Identifier: MIT
// Diagnostics on stderr, filtered by -l/--log-level and -v (each -v one level more detail).
#pragma once

#include <cstdio>
#include <string>

#include <fmt/format.h>

namespace rtt::client {

enum class LogLevel { debug = 0, info = 1, warning = 2, error = 3 };

void set_log_level(LogLevel level);
bool log_enabled(LogLevel level);
LogLevel parse_log_level(const std::string& name);

template <typename... Args>
void log(LogLevel level, fmt::format_string<Args...> format, Args&&... args) {
    if (log_enabled(level))
        std::fprintf(stderr, "%s\n", fmt::format(format, std::forward<Args>(args)...).c_str());
}

}  // namespace rtt::client
