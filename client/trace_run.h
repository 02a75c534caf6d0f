// SPDX-License-Identifier: MIT
// Runs the trace the options describe: resolves the endpoints, builds one prober and engine
// per direction, drives them concurrently, and writes text and JSON. Returns the exit code.
#pragma once

#include "cli/options.h"

namespace rtt::client {

// Exit statuses (2 is bad usage, from the command line; 128+N a signal such as Ctrl-C).
constexpr int kExitFailed = 1;         // a direction failed (forward, or a reverse-only trace), the
                                       // deadline cut the trace short, or the collector did not take it
constexpr int kExitReverseFailed = 3;  // two-way: the forward trace is complete, the reverse one failed
                                       // (no server on the target, the server refused, no answer)

int run_trace(const ClientOptions& options);

}  // namespace rtt::client
