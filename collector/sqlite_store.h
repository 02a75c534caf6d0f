// SPDX-License-Identifier: MIT
// The measurement store in one SQLite database in WAL mode (the collector's default). With
// synchronous=FULL a submission answered 201 survives a crash of the process and a power cut.
#pragma once

#include <mutex>
#include <string>

#include "group_commit.h"
#include "measurement_store.h"

struct sqlite3;

namespace rtt::collector {

class SqliteMeasurementStore final : public MeasurementStore {
public:
    // Opens (creating if needed) and migrates the database; throws CollectorError.
    explicit SqliteMeasurementStore(const std::string& path);
    ~SqliteMeasurementStore() override;
    SqliteMeasurementStore(const SqliteMeasurementStore&) = delete;
    SqliteMeasurementStore& operator=(const SqliteMeasurementStore&) = delete;

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
    const char* kind() const override { return "sqlite"; }

private:
    void commit(std::vector<PendingMeasurement>& batch);

    sqlite3* writer_ = nullptr;
    sqlite3* reader_ = nullptr;
    std::mutex reader_mutex_;
    std::unique_ptr<GroupCommit> writes_;  // last: started after the connections, stopped first
};

}  // namespace rtt::collector
