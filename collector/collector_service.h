// SPDX-License-Identifier: MIT
// The collector's HTTP interface (served by http_server.h):
//   POST /api/v1/measurements          store a measurement (schema-checked) → 201 {"id", "url"}
//   POST /post_trace                   the Augsburg client's submission (HTTP basic auth)
//   GET  /api/v1/measurements          list: target, direction, protocol, since, until, before, limit
//   GET  /api/v1/measurements/{id}     the stored document
//   GET  /api/v1/measurements/{id}/graph.svg
//   GET  /api/v1/measurements/{id}/diff/{other}   hops and links that changed, per direction
//   POST /api/v1/traces                run a trace on request (the looking glass) → 202 {"id", "url", "events"}
//   GET  /api/v1/traces/{id}           queued / running / done / failed, with the measurement when done
//   GET  /api/v1/traces/{id}/events    its progress as Server-Sent Events
//   GET  /api/v1/token                 what the token presented may do (the page asks)
//   GET  /healthz, GET /               health, and the web page (no data in either)
//   GET  /metrics                      Prometheus text format (collector_metrics.h)
// Tokens carry scopes (access_control.h): submit, read, trace, metrics; /metrics is also open to
// a scrape from this host itself (a loopback peer with no forwarding header).
// Every answer that is not 2xx carries {"error": "one sentence"}.
#pragma once

#include "access_control.h"
#include "collector_metrics.h"
#include "http_server.h"
#include "measurement/geoip_database.h"
#include "measurement_store.h"
#include "request_rate_limiter.h"
#include "trace_runner.h"
#include "trace_target_policy.h"

namespace rtt::collector {

// The looking glass, when the operator runs one (--looking-glass).
struct LookingGlass {
    TraceRunner& runner;
    const TraceTargetPolicy& policy;
};

// The routes, the rate limit and the token check, for an HttpServer; store, access, limiter, the
// looking glass (null: none), the GeoIP database placing submissions' hops (null: none) and the
// metrics (null: none, /metrics answers 404) must outlive it.
HttpHandlers collector_handlers(MeasurementStore& store, const AccessControl& access, RequestRateLimiter& limiter,
                                LookingGlass* glass = nullptr, const GeoIpDatabase* places = nullptr,
                                CollectorMetrics* metrics = nullptr);

}  // namespace rtt::collector
