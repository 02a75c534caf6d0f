// SPDX-License-Identifier: MIT
// The measurements on disk: one SQLite database in WAL mode with the full document and the
// columns people filter on (received time, target, source, direction, protocol, engine).
//
// Writes go through one writer thread that commits whatever submissions are waiting in one
// transaction (group commit) and acknowledges each only after that commit returned: a
// submission answered 201 survives a crash of the process, and with synchronous=FULL also a
// power cut, while concurrent writers share the cost of one fsync.
//
// A document is stored once: its SHA-256 is a unique column, so a client that sends the same
// bytes again (its acknowledgement was lost, or it resends a saved measurement) gets the id of
// the stored copy.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

struct sqlite3;

namespace rtt::collector {

// The indexed columns of one measurement; empty strings are stored as NULL.
struct MeasurementColumns {
    std::string format;  // "reverse-traceroute" or "augsburg" (documents posted to /post_trace)
    std::string target;
    std::string destination;
    std::string source;
    std::string direction;
    std::string protocol;
    std::string engine;
    std::string start_time;
    std::string outcome;  // JSON: each trace's outcome, {"forward": "reached", ...}
};

struct StoredSummary {
    std::int64_t id = 0;
    std::string received_at;  // RFC 3339, UTC
    MeasurementColumns columns;
};

struct AddedMeasurement {
    std::int64_t id = 0;
    bool created = false;  // false: the same document was stored before, under `id`
};

// A trace run on request (the looking glass): queued, running, done or failed.
struct TraceRequestRow {
    std::int64_t id = 0;
    std::string created_at;  // RFC 3339, UTC
    std::string state;
    std::string request;  // JSON: target, address, direction, protocol, engine, options
    std::string token_name;
    std::string client;
    std::string finished_at;
    std::int64_t measurement_id = 0;  // done: the stored measurement
    std::string error;                // failed: why, one sentence
};

struct ListQuery {
    std::string target;  // a part of the target name or of the destination address
    std::string direction;
    std::string protocol;
    std::string since;  // RFC 3339 prefixes, compared with received_at
    std::string until;
    std::optional<std::int64_t> before_id;  // paging: newest first, ids below this one
    int limit = 50;
};

class MeasurementStore {
public:
    // Opens (creating if needed) and migrates the database; throws CollectorError.
    explicit MeasurementStore(const std::string& path);
    ~MeasurementStore();
    MeasurementStore(const MeasurementStore&) = delete;
    MeasurementStore& operator=(const MeasurementStore&) = delete;

    // Stores the document; returns its id once the transaction holding it committed.
    AddedMeasurement add(const MeasurementColumns& columns, std::string document);

    std::vector<StoredSummary> list(const ListQuery& query);
    std::optional<std::string> document(std::int64_t id);
    std::int64_t count();

    // Traces on request: added as queued; then running, done (with the measurement's id) or
    // failed (with the sentence).
    std::int64_t add_trace_request(const std::string& request, const std::string& token_name,
                                   const std::string& client);
    void set_trace_state(std::int64_t id, const std::string& state, std::int64_t measurement_id = 0,
                         const std::string& error = {});
    std::optional<TraceRequestRow> trace_request(std::int64_t id);
    // Queued or running, oldest first (after a restart).
    std::vector<TraceRequestRow> unfinished_trace_requests();
    // When the requests by `value` (column "token_name" or "client") since `since` (RFC 3339)
    // were made, oldest first: the quotas count them.
    std::vector<std::string> trace_request_times(const std::string& column, const std::string& value,
                                                 const std::string& since);

    // The schema version this build migrates to (PRAGMA user_version).
    static int schema_version();

private:
    struct Pending {
        MeasurementColumns columns;
        std::string document;
        std::promise<AddedMeasurement> added;
    };
    void write_loop();
    void commit(std::vector<Pending>& batch);

    sqlite3* writer_ = nullptr;
    sqlite3* reader_ = nullptr;
    std::mutex reader_mutex_;

    std::mutex queue_mutex_;
    std::condition_variable queue_ready_;
    std::vector<Pending> queue_;
    bool stopping_ = false;
    std::thread writer_thread_;
};

}  // namespace rtt::collector
