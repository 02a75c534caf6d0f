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

struct ServiceLimits {
    std::size_t max_body = 8 * 1024 * 1024;
    double requests_per_second = 20;
    double request_burst = 100;
};

// Installs the routes, limits and access log on `server`; store, access and limiter must outlive it.
void install_collector_service(httplib::Server& server, MeasurementStore& store, const AccessControl& access,
                               RequestRateLimiter& limiter, const ServiceLimits& limits);

}  // namespace rtt::collector
