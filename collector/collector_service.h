// SPDX-License-Identifier: MIT
// The collector's HTTP interface (served by http_server.h):
//   POST /api/v1/measurements          store a measurement (schema-checked) → 201 {"id", "url"}
//   POST /post_trace                   the Augsburg client's submission (HTTP basic auth)
//   GET  /api/v1/measurements          list: target, direction, protocol, since, until, before, limit
//   GET  /api/v1/measurements/{id}     the stored document
//   GET  /api/v1/measurements/{id}/graph.svg
//   GET  /api/v1/measurements/{id}/diff/{other}   hops and links that changed, per direction
//   GET  /healthz, GET /               health, and the web page (no data in either)
// Every answer that is not 2xx carries {"error": "one sentence"}.
#pragma once

#include "access_control.h"
#include "http_server.h"
#include "measurement_store.h"
#include "request_rate_limiter.h"

namespace rtt::collector {

// The routes, the rate limit and the token check, for an HttpServer; store, access and limiter
// must outlive it.
HttpHandlers collector_handlers(MeasurementStore& store, const AccessControl& access, RequestRateLimiter& limiter);

}  // namespace rtt::collector
