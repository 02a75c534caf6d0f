// SPDX-License-Identifier: MIT
// "Did you mean": the known name closest to a mistyped one, for option names on the command
// line and keys in the config file alike.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace rtt::client {

// The name of `names` at the smallest edit distance from `word`, if that distance is below 3
// (a typo, a missing dash, an underscore for a dash), else nothing.
std::optional<std::string> closest_name(const std::string& word, const std::vector<std::string>& names);

}  // namespace rtt::client
