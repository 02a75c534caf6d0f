// SPDX-License-Identifier: MIT
// What the collector tells Prometheus (GET /metrics): responses by status, the time a submission
// takes from its body's arrival to its commit (histogram), open connections, the store's queue, rows and
// size, and the looking glass's queue. Counters are kept here as requests pass; the store and the
// looking glass are asked at each scrape.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "measurement_store.h"
#include "trace_runner.h"

namespace rtt::collector {

class CollectorMetrics {
public:
    // Seconds: a commit on a fast disk takes a millisecond or two; a slow PostgreSQL, seconds.
    static constexpr std::array<double, 13> kIngestBounds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                             0.25,  0.5,    1,     2.5,  5,     10};

    void answered(int status);
    void connections_changed(int change) { connections_ += change; }
    // A submission stored (created or found), from its body's arrival (schema check included)
    // to its commit.
    void ingested(std::chrono::duration<double> took);

    // The exposition text; the store's figures are left out (and rtt_collector_store_up is 0)
    // when it cannot be read.
    std::string scrape(MeasurementStore& store, const TraceRunner* runner) const;

private:
    std::array<std::atomic<std::uint64_t>, 600> by_status_{};  // index: HTTP status
    std::atomic<std::int64_t> connections_{0};
    mutable std::mutex ingest_mutex_;
    std::vector<std::uint64_t> ingest_buckets_ = std::vector<std::uint64_t>(kIngestBounds.size());
    std::uint64_t ingest_count_ = 0;
    double ingest_sum_ = 0;
};

}  // namespace rtt::collector
