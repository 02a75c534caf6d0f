// SPDX-License-Identifier: MIT
// Runs the trace the options describe: resolves the endpoints, builds one prober and engine
// per direction, drives them concurrently, and writes text and JSON. Returns the exit code.
#pragma once

#include "cli/options.h"

namespace rtt::client {

int run_trace(const ClientOptions& options);

}  // namespace rtt::client
