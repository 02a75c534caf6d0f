// SPDX-License-Identifier: MIT
// `reverse-traceroute campaign`: many traces in one process and one loop. The prober service
// (service/prober_service.h) runs them, as it runs a looking glass's or a program's traces, under
// one probes/s budget and a number at once; a driver thread feeds it the list's targets over an
// in-process socket pair in the prober protocol, at most --per-prefix at once toward one /24
// (IPv4) or /48 (IPv6), appends each finished measurement to the output (campaign_journal.h) and
// hands it to the collector, and keeps the progress line.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "campaign/target_list.h"
#include "measurement/geoip_database.h"
#include "service/service_network.h"
#include "transmit/transmit_settings.h"

namespace rtt::client {

struct CampaignSettings {
    double probes_per_s = 100;
    std::size_t concurrency = 32;  // traces at once
    std::size_t per_prefix = 2;    // traces at once toward one /24 (IPv4) or /48 (IPv6)
    std::string output;            // JSON lines; empty: none
    std::optional<TransmitSettings> transmit;
    nlohmann::json trace_options = nlohmann::json::object();  // every trace's "options" (client names)
    const GeoIpDatabase* places = nullptr;
    std::FILE* progress = nullptr;  // null: quiet
    bool progress_on_terminal = false;
    double plain_progress_interval_s = 10;
};

struct CampaignResult {
    std::size_t total = 0;       // lines in the list
    std::size_t skipped = 0;     // finished in an earlier run (found in the output)
    std::size_t done = 0;        // finished in this run
    std::size_t failed = 0;      // could not run (one sentence each, on stderr)
    std::size_t unfinished = 0;  // interrupted or never started (a stop signal): run again to finish
    std::size_t not_sent = 0;    // finished but not taken by the collector (kept in the output)
    std::uint64_t probes = 0;
    double seconds = 0;
    double loop_seconds = 0;  // by the loop's clock (simulated time on a simulated network)
    int exit_status = 0;      // 0; 1 if any failed; 128 + signal when stopped
};

// Runs the campaign on `network`; throws ClientError (one sentence) before any probe if the
// output cannot be used.
CampaignResult run_campaign(ServiceNetwork& network, const std::vector<CampaignTarget>& targets,
                            const CampaignSettings& settings);

// "/24" or "/48" of the address as text (the politeness limit's key), or the text itself.
std::string politeness_prefix(const std::string& target);

}  // namespace rtt::client
