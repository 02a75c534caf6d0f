// SPDX-License-Identifier: MIT
#include "sqlite_store.h"

#include <sqlite3.h>

#include <array>
#include <chrono>

#include <fmt/format.h>

#include "collector_error.h"
#include "measurement/json_measurement.h"

namespace rtt::collector {
namespace {

// Schema migrations, oldest first; migration i brings the database to user_version i + 1.
// Never edit one that shipped: add the next.
const std::array<const char*, kSchemaVersion> kMigrations = {
    R"sql(
    CREATE TABLE measurements (
        id          INTEGER PRIMARY KEY,
        received_at TEXT NOT NULL,
        format      TEXT NOT NULL,
        target      TEXT,
        destination TEXT,
        source      TEXT,
        direction   TEXT,
        protocol    TEXT,
        engine      TEXT,
        start_time  TEXT,
        document    TEXT NOT NULL
    );
    CREATE INDEX measurements_received_at ON measurements (received_at);
    CREATE INDEX measurements_target ON measurements (target);
    CREATE INDEX measurements_destination ON measurements (destination);
    CREATE INDEX measurements_source ON measurements (source);
    CREATE INDEX measurements_direction ON measurements (direction, protocol, engine);
    )sql",
    // 2: each document once (rows stored before have no digest and stay as they are).
    R"sql(
    ALTER TABLE measurements ADD COLUMN digest TEXT;
    CREATE UNIQUE INDEX measurements_digest ON measurements (digest);
    )sql",
    // 3: each trace's outcome (JSON, e.g. {"forward": "reached"}) for the list, taken from the
    // documents stored before.
    R"sql(
    ALTER TABLE measurements ADD COLUMN outcome TEXT;
    UPDATE measurements SET outcome = json_extract(document, '$.outcome')
        WHERE format = 'reverse-traceroute' AND json_valid(document)
          AND json_type(document, '$.outcome') = 'object';
    )sql",
    // 4: traces run on request (the looking glass), kept so that none queued is lost in a
    // restart, and counted for the quotas per token and per address.
    R"sql(
    CREATE TABLE trace_requests (
        id             INTEGER PRIMARY KEY,
        created_at     TEXT NOT NULL,
        state          TEXT NOT NULL,
        request        TEXT NOT NULL,
        token_name     TEXT NOT NULL,
        client         TEXT NOT NULL,
        finished_at    TEXT,
        measurement_id INTEGER,
        error          TEXT
    );
    CREATE INDEX trace_requests_state ON trace_requests (state);
    CREATE INDEX trace_requests_token ON trace_requests (token_name, created_at);
    CREATE INDEX trace_requests_client ON trace_requests (client, created_at);
    )sql",
};

// Owns a prepared statement for the length of one call.
class Statement {
public:
    Statement(sqlite3* db, const char* sql) : db_(db) {
        if (sqlite3_prepare_v2(db, sql, -1, &statement_, nullptr) != SQLITE_OK)
            throw CollectorError(fmt::format("database query failed ({})", sqlite3_errmsg(db)));
    }
    ~Statement() { sqlite3_finalize(statement_); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    void bind(int index, const std::string& text) {
        if (text.empty())
            sqlite3_bind_null(statement_, index);
        else
            sqlite3_bind_text(statement_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    }
    void bind(int index, std::int64_t value) { sqlite3_bind_int64(statement_, index, value); }
    // True while there is a row; throws on errors.
    bool step() {
        const int rc = sqlite3_step(statement_);
        if (rc == SQLITE_ROW)
            return true;
        if (rc == SQLITE_DONE)
            return false;
        throw CollectorError(fmt::format("database query failed ({})", sqlite3_errmsg(db_)));
    }
    std::string text(int column) {
        const auto* value = reinterpret_cast<const char*>(sqlite3_column_text(statement_, column));
        return value ? std::string(value, static_cast<std::size_t>(sqlite3_column_bytes(statement_, column)))
                     : std::string();
    }
    std::int64_t integer(int column) { return sqlite3_column_int64(statement_, column); }
    void reset() {
        sqlite3_reset(statement_);
        sqlite3_clear_bindings(statement_);
    }

private:
    sqlite3* db_;
    sqlite3_stmt* statement_ = nullptr;
};

void execute(sqlite3* db, const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
        const std::string text = message ? message : sqlite3_errmsg(db);
        sqlite3_free(message);
        throw CollectorError(fmt::format("database statement failed ({})", text));
    }
}

sqlite3* open_database(const std::string& path) {
    sqlite3* db = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    if (rc != SQLITE_OK) {
        const std::string why = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
        sqlite3_close(db);
        throw CollectorError(
            fmt::format("cannot open database {} ({}): check that its folder exists and is "
                        "writable, or give another --db",
                        path, why));
    }
    // Another connection (the writer) may hold the lock briefly.
    sqlite3_busy_timeout(db, 5000);
    return db;
}

int user_version(sqlite3* db) {
    Statement statement(db, "PRAGMA user_version");
    statement.step();
    return static_cast<int>(statement.integer(0));
}

void migrate(sqlite3* db, const std::string& path) {
    const int current = user_version(db);
    const int known = static_cast<int>(kMigrations.size());
    if (current > known)
        throw CollectorError(
            fmt::format("database {} has schema version {} but this collector knows up to {}: "
                        "run a newer reverse-traceroute-collector",
                        path, current, known));
    for (int version = current; version < known; ++version) {
        execute(db, "BEGIN IMMEDIATE");
        try {
            execute(db, kMigrations[static_cast<std::size_t>(version)]);
            execute(db, fmt::format("PRAGMA user_version = {}", version + 1).c_str());
            execute(db, "COMMIT");
        } catch (...) {
            sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
            throw;
        }
    }
}

}  // namespace

SqliteMeasurementStore::SqliteMeasurementStore(const std::string& path) {
    writer_ = open_database(path);
    try {
        execute(writer_, "PRAGMA journal_mode = WAL");
        // FULL: a commit is on disk (WAL fsynced) before the submission is acknowledged.
        execute(writer_, "PRAGMA synchronous = FULL");
        migrate(writer_, path);
        reader_ = open_database(path);
    } catch (...) {
        sqlite3_close(writer_);
        throw;
    }
    writes_ = std::make_unique<GroupCommit>([this](std::vector<PendingMeasurement>& batch) { commit(batch); });
}

SqliteMeasurementStore::~SqliteMeasurementStore() {
    writes_->stop();  // what is queued is written while the connections are still open
    sqlite3_close(reader_);
    sqlite3_close(writer_);
}

AddedMeasurement SqliteMeasurementStore::add(const MeasurementColumns& columns, std::string document) {
    return writes_->add(columns, std::move(document));
}

void SqliteMeasurementStore::commit(std::vector<PendingMeasurement>& batch) {
    std::vector<AddedMeasurement> results;
    try {
        execute(writer_, "BEGIN IMMEDIATE");
        Statement insert(
            writer_,
            "INSERT INTO measurements (received_at, format, target, destination, source, direction, "
            "protocol, engine, start_time, document, digest, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (digest) DO NOTHING");
        Statement existing(writer_, "SELECT id FROM measurements WHERE digest = ?1");
        const std::string received_at = rfc3339(std::chrono::system_clock::now());
        for (const auto& pending : batch) {
            const auto& c = pending.columns;
            insert.bind(1, received_at);
            insert.bind(2, c.format);
            insert.bind(3, c.target);
            insert.bind(4, c.destination);
            insert.bind(5, c.source);
            insert.bind(6, c.direction);
            insert.bind(7, c.protocol);
            insert.bind(8, c.engine);
            insert.bind(9, c.start_time);
            insert.bind(10, pending.document);
            const std::string digest = document_digest(pending.document);
            insert.bind(11, digest);
            insert.bind(12, c.outcome);
            insert.step();
            insert.reset();
            if (sqlite3_changes(writer_) == 1) {
                results.push_back({sqlite3_last_insert_rowid(writer_), true});
            } else {
                existing.bind(1, digest);
                existing.step();
                results.push_back({existing.integer(0), false});
                existing.reset();
            }
        }
        execute(writer_, "COMMIT");
    } catch (...) {
        sqlite3_exec(writer_, "ROLLBACK", nullptr, nullptr, nullptr);
        for (auto& pending : batch)
            pending.added.set_exception(std::current_exception());
        return;
    }
    for (std::size_t i = 0; i < batch.size(); ++i)
        batch[i].added.set_value(results[i]);
}

std::vector<StoredSummary> SqliteMeasurementStore::list(const ListQuery& query) {
    std::lock_guard lock(reader_mutex_);
    Statement select(
        reader_,
        "SELECT id, received_at, format, target, destination, source, direction, protocol, engine, "
        "start_time, outcome FROM measurements WHERE "
        "(?1 IS NULL OR instr(target, ?1) > 0 OR instr(destination, ?1) > 0) AND (?2 IS NULL OR direction = ?2) AND "
        "(?3 IS NULL OR protocol = ?3) AND (?4 IS NULL OR received_at >= ?4) AND "
        "(?5 IS NULL OR received_at < ?5) AND (?6 IS NULL OR id < ?6) "
        "ORDER BY id DESC LIMIT ?7");
    select.bind(1, query.target);
    select.bind(2, query.direction);
    select.bind(3, query.protocol);
    select.bind(4, query.since);
    select.bind(5, query.until);
    if (query.before_id)
        select.bind(6, *query.before_id);
    select.bind(7, static_cast<std::int64_t>(query.limit));
    std::vector<StoredSummary> rows;
    while (select.step()) {
        StoredSummary row;
        row.id = select.integer(0);
        row.received_at = select.text(1);
        row.columns = {select.text(2), select.text(3), select.text(4), select.text(5), select.text(6),
                       select.text(7), select.text(8), select.text(9), select.text(10)};
        rows.push_back(std::move(row));
    }
    return rows;
}

std::optional<std::string> SqliteMeasurementStore::document(std::int64_t id) {
    std::lock_guard lock(reader_mutex_);
    Statement select(reader_, "SELECT document FROM measurements WHERE id = ?1");
    select.bind(1, id);
    if (!select.step())
        return std::nullopt;
    return select.text(0);
}

std::int64_t SqliteMeasurementStore::count() {
    std::lock_guard lock(reader_mutex_);
    Statement select(reader_, "SELECT count(*) FROM measurements");
    select.step();
    return select.integer(0);
}

// Trace requests go through the reader's connection: they are few, and each is one statement.

std::int64_t SqliteMeasurementStore::add_trace_request(const std::string& request, const std::string& token_name,
                                                       const std::string& client) {
    std::lock_guard lock(reader_mutex_);
    Statement insert(reader_,
                     "INSERT INTO trace_requests (created_at, state, request, token_name, client) "
                     "VALUES (?1, 'queued', ?2, ?3, ?4)");
    insert.bind(1, rfc3339(std::chrono::system_clock::now()));
    insert.bind(2, request);
    insert.bind(3, token_name);
    insert.bind(4, client);
    insert.step();
    return sqlite3_last_insert_rowid(reader_);
}

void SqliteMeasurementStore::set_trace_state(std::int64_t id, const std::string& state, std::int64_t measurement_id,
                                             const std::string& error) {
    std::lock_guard lock(reader_mutex_);
    const bool ended = state == "done" || state == "failed";
    Statement update(reader_,
                     "UPDATE trace_requests SET state = ?2, finished_at = ?3, measurement_id = ?4, error = ?5 "
                     "WHERE id = ?1");
    update.bind(1, id);
    update.bind(2, state);
    update.bind(3, ended ? rfc3339(std::chrono::system_clock::now()) : std::string());
    if (measurement_id > 0)
        update.bind(4, measurement_id);
    update.bind(5, error);
    update.step();
}

namespace {

TraceRequestRow trace_row(Statement& select) {
    return {select.integer(0), select.text(1), select.text(2),    select.text(3), select.text(4),
            select.text(5),    select.text(6), select.integer(7), select.text(8)};
}

constexpr const char* kTraceColumns =
    "id, created_at, state, request, token_name, client, finished_at, coalesce(measurement_id, 0), error";

}  // namespace

std::optional<TraceRequestRow> SqliteMeasurementStore::trace_request(std::int64_t id) {
    std::lock_guard lock(reader_mutex_);
    Statement select(reader_, fmt::format("SELECT {} FROM trace_requests WHERE id = ?1", kTraceColumns).c_str());
    select.bind(1, id);
    if (!select.step())
        return std::nullopt;
    return trace_row(select);
}

std::vector<TraceRequestRow> SqliteMeasurementStore::unfinished_trace_requests() {
    std::lock_guard lock(reader_mutex_);
    Statement select(
        reader_,
        fmt::format("SELECT {} FROM trace_requests WHERE state IN ('queued', 'running') ORDER BY id", kTraceColumns)
            .c_str());
    std::vector<TraceRequestRow> rows;
    while (select.step())
        rows.push_back(trace_row(select));
    return rows;
}

std::vector<std::string> SqliteMeasurementStore::trace_request_times(const std::string& column,
                                                                     const std::string& value,
                                                                     const std::string& since) {
    std::lock_guard lock(reader_mutex_);
    Statement select(reader_, column == "client" ? "SELECT created_at FROM trace_requests WHERE client = ?1 AND "
                                                   "created_at >= ?2 ORDER BY created_at"
                                                 : "SELECT created_at FROM trace_requests WHERE token_name = ?1 AND "
                                                   "created_at >= ?2 ORDER BY created_at");
    select.bind(1, value);
    select.bind(2, since);
    std::vector<std::string> times;
    while (select.step())
        times.push_back(select.text(0));
    return times;
}

std::int64_t SqliteMeasurementStore::size_bytes() {
    std::lock_guard lock(reader_mutex_);
    Statement select(reader_, "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()");
    select.step();
    return select.integer(0);
}

}  // namespace rtt::collector
