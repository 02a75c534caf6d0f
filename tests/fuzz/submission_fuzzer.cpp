// SPDX-License-Identifier: MIT
// libFuzzer target: any body sent to POST /api/v1/measurements, /post_trace or /api/v1/traces
// (the looking glass). Checking it must end in accepted or refused, never in a crash, a
// sanitizer report or an escaped exception; an accepted measurement of ours must be one the
// drawing code can read, and an accepted trace request names a host-like target and only the
// options a looking glass lets anyone set.
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "collector_error.h"
#include "measurement/json_measurement.h"
#include "submission.h"
#include "trace_request_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string body(reinterpret_cast<const char*>(data), size);
    const auto ours = rtt::collector::check_measurement(body);
    if (const auto* accepted = std::get_if<rtt::collector::AcceptedSubmission>(&ours)) {
        const auto document = nlohmann::json::parse(accepted->document);
        for (const auto& [direction, trace] : document.at("traces").items())
            rtt::graph_from_trace_json(trace);  // must not throw: the submission check ran it
    }
    rtt::collector::check_augsburg_measurement(body);
    try {
        const auto parsed = rtt::collector::parse_trace_request(body);
        if (!rtt::host_like(parsed.request.target))
            __builtin_trap();
        for (const auto& [name, value] : parsed.request.options.items())
            if (name != "max-ttl" && name != "port" && name != "confidence")
                __builtin_trap();
    } catch (const rtt::collector::TraceRefused& refused) {
        if (refused.status() != 400)
            __builtin_trap();
    }
    return 0;
}
