// SPDX-License-Identifier: MIT
// The measurements on disk, behind one interface with two stores: SQLite (one file, the
// default, sqlite_store.h) and PostgreSQL (--db postgresql://..., postgres_store.h: several
// collectors on one database). Both keep the full document and the columns people filter on
// (received time, target, source, direction, protocol, engine), migrate to the same schema
// version, and store a document once (its SHA-256 is a unique column), so a client that sends the
// same bytes again (its acknowledgement was lost, or it resends a saved measurement) gets the id
// of the stored copy.
//
// Writes go through one writer thread per collector that commits whatever submissions are
// waiting in one transaction (group commit, group_commit.h) and acknowledges each only after
// that commit returned: a submission answered 201 is durable, while concurrent writers share the
// cost of one fsync.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rtt::collector {

// The schema version both stores migrate to (SQLite: PRAGMA user_version; PostgreSQL: the
// rtt_schema table). Each store's migration list has exactly this many entries.
constexpr int kSchemaVersion = 4;

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

// Every method may throw CollectorError (one sentence) when the database fails.
class MeasurementStore {
public:
    virtual ~MeasurementStore() = default;

    // Stores the document; returns its id once the transaction holding it committed.
    virtual AddedMeasurement add(const MeasurementColumns& columns, std::string document) = 0;

    virtual std::vector<StoredSummary> list(const ListQuery& query) = 0;
    virtual std::optional<std::string> document(std::int64_t id) = 0;
    virtual std::int64_t count() = 0;

    // Traces on request: added as queued; then running, done (with the measurement's id) or
    // failed (with the sentence).
    virtual std::int64_t add_trace_request(const std::string& request, const std::string& token_name,
                                           const std::string& client) = 0;
    virtual void set_trace_state(std::int64_t id, const std::string& state, std::int64_t measurement_id = 0,
                                 const std::string& error = {}) = 0;
    virtual std::optional<TraceRequestRow> trace_request(std::int64_t id) = 0;
    // Queued or running, oldest first (after a restart).
    virtual std::vector<TraceRequestRow> unfinished_trace_requests() = 0;
    // When the requests by `value` (column "token_name" or "client") since `since` (RFC 3339)
    // were made, oldest first: the quotas count them.
    virtual std::vector<std::string> trace_request_times(const std::string& column, const std::string& value,
                                                         const std::string& since) = 0;

    // For the metrics: the bytes the measurements take in the database, and the submissions
    // waiting for the writer.
    virtual std::int64_t size_bytes() = 0;
    virtual std::size_t queued() = 0;
    // "sqlite" or "postgresql".
    virtual const char* kind() const = 0;
};

// A PostgreSQL store for a postgresql:// or postgres:// URI, else a SQLite file at that path;
// opened and migrated. Throws CollectorError (one sentence, no password) if it cannot.
std::unique_ptr<MeasurementStore> open_measurement_store(const std::string& database);

// The SHA-256 of a document in hex: its unique column, how a resubmission is recognised.
std::string document_digest(const std::string& document);

// The URI with its password (user:PASSWORD@ or password=...) replaced by "***", for messages.
std::string redacted_database(const std::string& database);

}  // namespace rtt::collector
