// SPDX-License-Identifier: MIT
// Where a trace's files go, settled before the first probe: BASE.json (--store-json),
// BASE.aliases (--resolve-aliases) and the drawing BASE.FORMAT. A directory that cannot take
// them is reported before probing, so no trace is lost to it; files that exist are kept (the
// first free BASE-1, BASE-2, ... is taken instead) unless --force.
#pragma once

#include <optional>
#include <string>

#include "cli/options.h"

namespace rtt::client {

struct OutputPaths {
    std::optional<std::string> json;
    std::optional<std::string> aliases;
    std::optional<std::string> drawing;
    std::string renamed_from;  // the base asked for, when its files existed and another was chosen
};

// Throws ClientError with one sentence when a path cannot be written.
OutputPaths plan_output_paths(const ClientOptions& options);

}  // namespace rtt::client
