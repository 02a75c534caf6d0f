// SPDX-License-Identifier: MIT
// `--transmit`: shows what will be sent and asks (unless -y), posts the measurement to the
// collector's /api/v1/measurements, and if it is declined or fails keeps it in unsent_folder()
// so nothing is lost.
#pragma once

#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "transmit/transmit_settings.h"

namespace rtt::client {

// The stored measurement's URL, or the reason the collector did not take it (one sentence).
struct Submitted {
    std::string url;
};
struct NotSubmitted {
    std::string reason;
};
std::variant<Submitted, NotSubmitted> post_measurement(const TransmitSettings& settings, const std::string& body);

// Before any probe: asks the collector whether it takes this token (or none), by submitting an
// empty document it must refuse: 401 means the token is missing or unknown, and that is one
// sentence (ClientError) before the trace, not after it. A collector that cannot be reached is
// left for the real submission, which saves the measurement.
void check_collector_token(const TransmitSettings& settings);

// What the user is asked to agree to: where it goes and what it reveals.
std::string transmit_summary(const nlohmann::json& measurement, const std::string& collector);

// The whole step; true if the collector stored the measurement. Messages go to stderr.
bool transmit_measurement(const nlohmann::json& measurement, const TransmitSettings& settings);

}  // namespace rtt::client
