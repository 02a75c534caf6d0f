// SPDX-License-Identifier: MIT
// What a target given by someone else (the prober's commands, the looking glass's requests) may
// look like before any parser or resolver sees it: host names and IPv4/IPv6 literals only
// (letters, digits, dots, hyphens, colons), at most 253 characters, not starting with a hyphen
// (it would read as an option). `-o /etc/passwd`, `$(reboot)` and `; id` are not.
#pragma once

#include <algorithm>
#include <string_view>

namespace rtt {

inline bool host_like(std::string_view target) {
    return !target.empty() && target.size() <= 253 && target.front() != '-' &&
           std::all_of(target.begin(), target.end(), [](char c) {
               return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                      c == '-' || c == ':';
           });
}

}  // namespace rtt
