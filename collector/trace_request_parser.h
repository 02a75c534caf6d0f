// SPDX-License-Identifier: MIT
// The body of POST /api/v1/traces: {target, direction, protocol, engine} and the few options a
// looking glass lets anyone set (max_ttl, confidence, port, family). Every field is checked here,
// before anything runs; the target is then resolved and checked by the target policy
// (trace_target_policy.h), and the address it gives is the one probed.
#pragma once

#include <optional>
#include <string>

#include "trace_runner.h"
#include "trace_target_policy.h"

namespace rtt::collector {

struct ParsedTraceRequest {
    TraceRequest request;  // its address still empty
    std::optional<Family> family;
};

// Throws TraceRefused (400) with one sentence.
ParsedTraceRequest parse_trace_request(const std::string& body);

}  // namespace rtt::collector
