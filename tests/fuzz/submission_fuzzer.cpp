// SPDX-License-Identifier: MIT
// libFuzzer target: any body sent to POST /api/v1/measurements or /post_trace. Checking it must
// end in accepted or refused, never in a crash, a sanitizer report or an escaped exception; an
// accepted measurement of ours must be one the drawing code can read.
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "measurement/json_measurement.h"
#include "submission.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string body(reinterpret_cast<const char*>(data), size);
    const auto ours = rtt::collector::check_measurement(body);
    if (const auto* accepted = std::get_if<rtt::collector::AcceptedSubmission>(&ours)) {
        const auto document = nlohmann::json::parse(accepted->document);
        for (const auto& [direction, trace] : document.at("traces").items())
            rtt::graph_from_trace_json(trace);  // must not throw: the submission check ran it
    }
    rtt::collector::check_augsburg_measurement(body);
    return 0;
}
