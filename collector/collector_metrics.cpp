// SPDX-License-Identifier: MIT
#include "collector_metrics.h"

#include "prometheus_text.h"
#include "rtt_version.h"

namespace rtt::collector {

void CollectorMetrics::answered(int status) {
    if (status >= 0 && static_cast<std::size_t>(status) < by_status_.size())
        ++by_status_[static_cast<std::size_t>(status)];
}

void CollectorMetrics::ingested(std::chrono::duration<double> took) {
    const double seconds = took.count();
    std::lock_guard lock(ingest_mutex_);
    for (std::size_t i = 0; i < kIngestBounds.size(); ++i)
        if (seconds <= kIngestBounds[i])
            ++ingest_buckets_[i];  // cumulative: every bound at or above the value
    ++ingest_count_;
    ingest_sum_ += seconds;
}

std::string CollectorMetrics::scrape(MeasurementStore& store, const TraceRunner* runner) const {
    PrometheusText out;
    out.family("rtt_collector_info", "gauge", "The collector's version and store (always 1).");
    out.sample({{"version", RTT_VERSION_STRING}, {"store", store.kind()}}, 1);

    out.family("rtt_collector_http_requests_total", "counter", "HTTP responses sent, by status code.");
    for (std::size_t status = 100; status < by_status_.size(); ++status)
        if (const auto n = by_status_[status].load(); n > 0)
            out.sample({{"code", std::to_string(status)}}, static_cast<double>(n));

    HistogramSnapshot ingest;
    {
        std::lock_guard lock(ingest_mutex_);
        ingest.bounds.assign(kIngestBounds.begin(), kIngestBounds.end());
        ingest.cumulative = ingest_buckets_;
        ingest.count = ingest_count_;
        ingest.sum = ingest_sum_;
    }
    write_histogram(out, "rtt_collector_ingest_duration_seconds",
                    "Time from a submission's body arriving to its commit in the store (stored or found stored).",
                    ingest);

    out.family("rtt_collector_connections", "gauge", "HTTP connections open now.");
    out.sample(static_cast<double>(connections_.load()));
    out.family("rtt_collector_store_queued_submissions", "gauge",
               "Submissions waiting for the store's writer (group commit).");
    out.sample(static_cast<double>(store.queued()));

    // The database is asked last: if it cannot answer, everything above is still scraped.
    double up = 1, measurements = 0, bytes = 0;
    try {
        measurements = static_cast<double>(store.count());
        bytes = static_cast<double>(store.size_bytes());
    } catch (const std::exception&) {
        up = 0;
    }
    out.family("rtt_collector_store_up", "gauge", "1 if the store answered this scrape's queries, else 0.");
    out.sample(up);
    if (up > 0) {
        out.family("rtt_collector_stored_measurements", "gauge", "Measurements in the store.");
        out.sample(measurements);
        out.family("rtt_collector_store_size_bytes", "gauge",
                   "Bytes the measurements take in the store (SQLite: the file; PostgreSQL: the table with "
                   "its indexes).");
        out.sample(bytes);
    }
    if (runner) {
        const auto [queued, running] = runner->load();
        out.family("rtt_collector_trace_requests", "gauge", "Looking glass traces queued and running now.");
        out.sample({{"state", "queued"}}, static_cast<double>(queued));
        out.sample({{"state", "running"}}, static_cast<double>(running));
    }
    return out.text();
}

}  // namespace rtt::collector
