// SPDX-License-Identifier: MIT
// The server's counters and table occupancy in Prometheus text format (--metrics): each BPF
// counter under a conventional name (requests refused and dropped by reason, probes by protocol),
// sessions and per-source buckets by family, the tables' sizes and the configured limits.
#pragma once

#include <string>

#include "server_config.h"
#include "server_program.h"

namespace rtt::server {

std::string server_metrics_text(const Counters& counters, const TableOccupancy& tables, const ServerConfig& config);

}  // namespace rtt::server
