// SPDX-License-Identifier: MIT
// Where a file the client ships (the --transmit plugin, ENDPOINTS) is on this machine: beside
// the executable (a build tree), else relative to it as installed (bin/../lib/...), else at the
// prefix the build was configured for.
#pragma once

#include <string>

namespace rtt::client {

// The first existing candidate, or the configured location if none exists.
std::string installed_file(const std::string& name, const std::string& relative_dir, const std::string& absolute_dir);

}  // namespace rtt::client
