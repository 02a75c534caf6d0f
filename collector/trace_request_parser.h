// SPDX-License-Identifier: MIT
// The body of POST /api/v1/traces: {target, direction, protocol, engine} and the few options a
// looking glass lets anyone set (max_ttl, confidence, port, family). Every field is checked here,
// before anything runs, and the target is resolved and checked by the target policy: the
// address it gives is the one probed.
#pragma once

#include <string>

#include "trace_runner.h"
#include "trace_target_policy.h"

namespace rtt::collector {

// Throws TraceRefused (400: the body; 403: a refused address; 422: a name that does not
// resolve) with one sentence.
TraceRequest parse_trace_request(const std::string& body, const TraceTargetPolicy& policy);

}  // namespace rtt::collector
