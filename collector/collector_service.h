// SPDX-License-Identifier: MIT
// The collector's HTTP interface on a cpp-httplib server:
//   POST /api/v1/measurements          store a measurement (schema-checked) → 201 {"id", "url"}
//   POST /post_trace                   the Augsburg client's submission (HTTP basic auth)
//   GET  /api/v1/measurements          list: target, direction, protocol, since, until, before, limit
//   GET  /api/v1/measurements/{id}     the stored document
//   GET  /api/v1/measurements/{id}/graph.svg
//   GET  /healthz, GET /               health, and the web page (no data in either)
// Every answer that is not 2xx carries {"error": "one sentence"}.
#pragma once

#include <httplib.h>

#include "access_control.h"
#include "measurement_store.h"
#include "request_rate_limiter.h"

namespace rtt::collector {

// Installs the routes, limits (bodies above max_body: 413) and access log on `server`; store, access and limiter must
// outlive it.
void install_collector_service(httplib::Server& server, MeasurementStore& store, const AccessControl& access,
                               RequestRateLimiter& limiter, std::size_t max_body);

}  // namespace rtt::collector
