// SPDX-License-Identifier: MIT
// The measurement store on PostgreSQL (libpqxx), for operators who outgrow one SQLite file:
// several collectors share one database, each ingesting (its own group commit) and serving
// everything any of them stored. Migrations run under an advisory lock, so collectors starting
// together migrate once. Timestamps stay RFC 3339 text in the "C" collation, so filters compare
// them exactly as the SQLite store does.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "group_commit.h"
#include "measurement_store.h"

namespace rtt::collector {

class PostgresMeasurementStore final : public MeasurementStore {
public:
    // Connects (twice: a writer and a reader) and migrates; throws CollectorError.
    explicit PostgresMeasurementStore(const std::string& uri);
    ~PostgresMeasurementStore() override;
    PostgresMeasurementStore(const PostgresMeasurementStore&) = delete;
    PostgresMeasurementStore& operator=(const PostgresMeasurementStore&) = delete;

    AddedMeasurement add(const MeasurementColumns& columns, std::string document) override;
    std::vector<StoredSummary> list(const ListQuery& query) override;
    std::optional<std::string> document(std::int64_t id) override;
    std::int64_t count() override;
    std::int64_t add_trace_request(const std::string& request, const std::string& token_name,
                                   const std::string& client) override;
    void set_trace_state(std::int64_t id, const std::string& state, std::int64_t measurement_id = 0,
                         const std::string& error = {}) override;
    std::optional<TraceRequestRow> trace_request(std::int64_t id) override;
    std::vector<TraceRequestRow> unfinished_trace_requests() override;
    std::vector<std::string> trace_request_times(const std::string& column, const std::string& value,
                                                 const std::string& since) override;
    std::int64_t size_bytes() override;
    std::size_t queued() override { return writes_->queued(); }
    const char* kind() const override { return "postgresql"; }

private:
    struct Connections;  // libpqxx stays out of this header
    void commit(std::vector<PendingMeasurement>& batch);

    std::unique_ptr<Connections> db_;
    std::mutex reader_mutex_;
    std::unique_ptr<GroupCommit> writes_;  // last: started after the connections, stopped first
};

}  // namespace rtt::collector
