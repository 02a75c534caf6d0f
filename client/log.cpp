// SPDX-License-Identifier: MIT
#include "log.h"

namespace rtt::client {
namespace {
LogLevel threshold = LogLevel::warning;
}

void set_log_level(LogLevel level) {
    threshold = level;
}
bool log_enabled(LogLevel level) {
    return level >= threshold;
}

LogLevel parse_log_level(const std::string& name) {
    if (name == "debug")
        return LogLevel::debug;
    if (name == "info")
        return LogLevel::info;
    if (name == "error")
        return LogLevel::error;
    return LogLevel::warning;
}

}  // namespace rtt::client
