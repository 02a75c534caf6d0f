// SPDX-License-Identifier: MIT
#include "postgres_store.h"

#include <array>
#include <chrono>

#include <fmt/format.h>
#include <pqxx/pqxx>

#include "collector_error.h"
#include "measurement/json_measurement.h"

namespace rtt::collector {
namespace {

// The SQLite store's migrations in PostgreSQL's dialect, version for version: migration i brings
// the database to version i + 1 (table rtt_schema). Never edit one that shipped: add the next.
const std::array<const char*, kSchemaVersion> kMigrations = {
    R"sql(
    CREATE TABLE measurements (
        id          bigserial PRIMARY KEY,
        received_at text COLLATE "C" NOT NULL,
        format      text NOT NULL,
        target      text,
        destination text,
        source      text,
        direction   text,
        protocol    text,
        engine      text,
        start_time  text,
        document    text NOT NULL
    );
    CREATE INDEX measurements_received_at ON measurements (received_at);
    CREATE INDEX measurements_target ON measurements (target);
    CREATE INDEX measurements_destination ON measurements (destination);
    CREATE INDEX measurements_source ON measurements (source);
    CREATE INDEX measurements_direction ON measurements (direction, protocol, engine);
    )sql",
    // 2: each document once.
    R"sql(
    ALTER TABLE measurements ADD COLUMN digest text;
    CREATE UNIQUE INDEX measurements_digest ON measurements (digest);
    )sql",
    // 3: each trace's outcome. No PostgreSQL database predates it (the store came with schema
    // version 4 and applies all four at once), so there are no rows to fill in.
    R"sql(
    ALTER TABLE measurements ADD COLUMN outcome text;
    )sql",
    // 4: traces run on request (the looking glass).
    R"sql(
    CREATE TABLE trace_requests (
        id             bigserial PRIMARY KEY,
        created_at     text COLLATE "C" NOT NULL,
        state          text NOT NULL,
        request        text NOT NULL,
        token_name     text NOT NULL,
        client         text NOT NULL,
        finished_at    text,
        measurement_id bigint,
        error          text
    );
    CREATE INDEX trace_requests_state ON trace_requests (state);
    CREATE INDEX trace_requests_token ON trace_requests (token_name, created_at);
    CREATE INDEX trace_requests_client ON trace_requests (client, created_at);
    )sql",
};

// Collectors starting together on one database: the first migrates, the others wait for it.
constexpr std::int64_t kMigrationLock = 0x7274742d6d696772;  // "rtt-migr"

// libpq's messages end with a newline and may span lines: one line for ours.
std::string one_line(const std::string& text) {
    std::string line;
    for (const char c : text)
        if (c == '\n') {
            if (!line.empty() && line.back() != ' ')
                line += "; ";
        } else {
            line += c;
        }
    while (!line.empty() && (line.back() == ' ' || line.back() == ';'))
        line.pop_back();
    return line;
}

// Runs `work`, turning libpqxx's failures into one sentence.
template <typename Work>
auto guarded(Work&& work) {
    try {
        return work();
    } catch (const pqxx::failure& e) {
        throw CollectorError(fmt::format("database query failed ({})", one_line(e.what())));
    }
}

// Empty strings are stored as NULL, as in the SQLite store.
const char* nullable(const std::string& text) {
    return text.empty() ? nullptr : text.c_str();
}

std::string text(const pqxx::field& field) {
    return field.is_null() ? std::string() : std::string(field.c_str(), field.size());
}

std::unique_ptr<pqxx::connection> connect(const std::string& uri) {
    try {
        return std::make_unique<pqxx::connection>(uri);
    } catch (const std::exception& e) {
        throw CollectorError(
            fmt::format("cannot connect to database {} ({}): check that PostgreSQL runs there and "
                        "that the user may connect, or give another --db",
                        redacted_database(uri), one_line(e.what())));
    }
}

// Runs `work` on the connection; if the connection was lost (PostgreSQL restarted, a failover),
// connects anew and runs it once more, so that the first request after a restart succeeds.
// A batch retried after a commit whose answer was lost stores nothing twice: the digest is unique.
template <typename Work>
auto on(std::unique_ptr<pqxx::connection>& connection, const std::string& uri, Work&& work) {
    return guarded([&] {
        try {
            return work(*connection);
        } catch (const pqxx::broken_connection&) {
            connection = connect(uri);
            return work(*connection);
        }
    });
}

void migrate(pqxx::connection& db, const std::string& uri) {
    guarded([&] {
        pqxx::work work(db);
        work.exec_params("SELECT pg_advisory_xact_lock($1)", kMigrationLock);
        work.exec("CREATE TABLE IF NOT EXISTS rtt_schema (version integer NOT NULL)");
        const auto rows = work.exec("SELECT version FROM rtt_schema");
        if (rows.empty())
            work.exec("INSERT INTO rtt_schema (version) VALUES (0)");
        const int current = rows.empty() ? 0 : rows[0][0].as<int>();
        if (current > kSchemaVersion)
            throw CollectorError(
                fmt::format("database {} has schema version {} but this collector knows up to {}: "
                            "run a newer reverse-traceroute-collector",
                            redacted_database(uri), current, kSchemaVersion));
        for (int version = current; version < kSchemaVersion; ++version)
            work.exec(kMigrations[static_cast<std::size_t>(version)]);
        work.exec_params("UPDATE rtt_schema SET version = $1", kSchemaVersion);
        work.commit();
        return 0;
    });
}

constexpr const char* kTraceColumns =
    "id, created_at, state, request, token_name, client, finished_at, coalesce(measurement_id, 0), error";

TraceRequestRow trace_row(const pqxx::row& row) {
    return {
        row[0].as<std::int64_t>(), text(row[1]), text(row[2]), text(row[3]), text(row[4]), text(row[5]), text(row[6]),
        row[7].as<std::int64_t>(), text(row[8])};
}

}  // namespace

struct PostgresMeasurementStore::Connections {
    std::string uri;
    std::unique_ptr<pqxx::connection> writer;
    std::unique_ptr<pqxx::connection> reader;
};

PostgresMeasurementStore::PostgresMeasurementStore(const std::string& uri) : db_(std::make_unique<Connections>()) {
    db_->uri = uri;
    db_->writer = connect(uri);
    migrate(*db_->writer, uri);
    db_->reader = connect(uri);
    writes_ = std::make_unique<GroupCommit>([this](std::vector<PendingMeasurement>& batch) { commit(batch); });
}

PostgresMeasurementStore::~PostgresMeasurementStore() {
    writes_->stop();  // what is queued is written while the connections are still open
}

AddedMeasurement PostgresMeasurementStore::add(const MeasurementColumns& columns, std::string document) {
    return writes_->add(columns, std::move(document));
}

void PostgresMeasurementStore::commit(std::vector<PendingMeasurement>& batch) {
    std::vector<AddedMeasurement> results;
    try {
        results = on(db_->writer, db_->uri, [&](pqxx::connection& connection) {
            std::vector<AddedMeasurement> added;
            pqxx::work work(connection);
            const std::string received_at = rfc3339(std::chrono::system_clock::now());
            for (const auto& pending : batch) {
                const std::string digest = document_digest(pending.document);
                // Looked up first so that a resubmission takes no id from the sequence.
                auto existing = work.exec_params("SELECT id FROM measurements WHERE digest = $1", digest);
                if (existing.empty()) {
                    const auto& c = pending.columns;
                    const auto inserted = work.exec_params(
                        "INSERT INTO measurements (received_at, format, target, destination, source, direction, "
                        "protocol, engine, start_time, document, digest, outcome) VALUES ($1, $2, $3, $4, $5, $6, "
                        "$7, $8, $9, $10, $11, $12) ON CONFLICT (digest) DO NOTHING RETURNING id",
                        received_at, c.format, nullable(c.target), nullable(c.destination), nullable(c.source),
                        nullable(c.direction), nullable(c.protocol), nullable(c.engine), nullable(c.start_time),
                        pending.document, digest, nullable(c.outcome));
                    if (!inserted.empty()) {
                        added.push_back({inserted[0][0].as<std::int64_t>(), true});
                        continue;
                    }
                    // Another collector stored the same document meanwhile.
                    existing = work.exec_params("SELECT id FROM measurements WHERE digest = $1", digest);
                }
                added.push_back({existing.at(0)[0].as<std::int64_t>(), false});
            }
            work.commit();
            return added;
        });
    } catch (...) {
        for (auto& pending : batch)
            pending.added.set_exception(std::current_exception());
        return;
    }
    for (std::size_t i = 0; i < batch.size(); ++i)
        batch[i].added.set_value(results[i]);
}

std::vector<StoredSummary> PostgresMeasurementStore::list(const ListQuery& query) {
    std::lock_guard lock(reader_mutex_);
    return on(db_->reader, db_->uri, [&](pqxx::connection& connection) {
        pqxx::read_transaction work(connection);
        const std::string before = query.before_id ? std::to_string(*query.before_id) : std::string();
        const auto rows = work.exec_params(
            "SELECT id, received_at, format, target, destination, source, direction, protocol, engine, start_time, "
            "outcome FROM measurements WHERE "
            "($1::text IS NULL OR strpos(target, $1) > 0 OR strpos(destination, $1) > 0) AND "
            "($2::text IS NULL OR direction = $2) AND ($3::text IS NULL OR protocol = $3) AND "
            "($4::text IS NULL OR received_at >= $4) AND ($5::text IS NULL OR received_at < $5) AND "
            "($6::bigint IS NULL OR id < $6) ORDER BY id DESC LIMIT $7",
            nullable(query.target), nullable(query.direction), nullable(query.protocol), nullable(query.since),
            nullable(query.until), nullable(before), query.limit);
        std::vector<StoredSummary> summaries;
        for (const auto& row : rows) {
            StoredSummary summary;
            summary.id = row[0].as<std::int64_t>();
            summary.received_at = text(row[1]);
            summary.columns = {text(row[2]), text(row[3]), text(row[4]), text(row[5]), text(row[6]),
                               text(row[7]), text(row[8]), text(row[9]), text(row[10])};
            summaries.push_back(std::move(summary));
        }
        return summaries;
    });
}

std::optional<std::string> PostgresMeasurementStore::document(std::int64_t id) {
    std::lock_guard lock(reader_mutex_);
    return on(db_->reader, db_->uri, [&](pqxx::connection& connection) -> std::optional<std::string> {
        pqxx::read_transaction work(connection);
        const auto rows = work.exec_params("SELECT document FROM measurements WHERE id = $1", id);
        if (rows.empty())
            return std::nullopt;
        return text(rows[0][0]);
    });
}

std::int64_t PostgresMeasurementStore::count() {
    std::lock_guard lock(reader_mutex_);
    return on(db_->reader, db_->uri, [&](pqxx::connection& connection) {
        pqxx::read_transaction work(connection);
        return work.exec("SELECT count(*) FROM measurements")[0][0].as<std::int64_t>();
    });
}

std::int64_t PostgresMeasurementStore::size_bytes() {
    std::lock_guard lock(reader_mutex_);
    return on(db_->reader, db_->uri, [&](pqxx::connection& connection) {
        pqxx::read_transaction work(connection);
        return work.exec("SELECT pg_total_relation_size('measurements')")[0][0].as<std::int64_t>();
    });
}

// Trace requests go through the reader's connection: they are few, and each is one statement.

std::int64_t PostgresMeasurementStore::add_trace_request(const std::string& request, const std::string& token_name,
                                                         const std::string& client) {
    std::lock_guard lock(reader_mutex_);
    return on(db_->reader, db_->uri, [&](pqxx::connection& connection) {
        pqxx::work work(connection);
        const auto rows = work.exec_params(
            "INSERT INTO trace_requests (created_at, state, request, token_name, client) "
            "VALUES ($1, 'queued', $2, $3, $4) RETURNING id",
            rfc3339(std::chrono::system_clock::now()), request, token_name, client);
        work.commit();
        return rows[0][0].as<std::int64_t>();
    });
}

void PostgresMeasurementStore::set_trace_state(std::int64_t id, const std::string& state, std::int64_t measurement_id,
                                               const std::string& error) {
    std::lock_guard lock(reader_mutex_);
    const bool ended = state == "done" || state == "failed";
    const std::string finished_at = ended ? rfc3339(std::chrono::system_clock::now()) : std::string();
    const std::string measurement = measurement_id > 0 ? std::to_string(measurement_id) : std::string();
    on(db_->reader, db_->uri, [&](pqxx::connection& connection) {
        pqxx::work work(connection);
        work.exec_params(
            "UPDATE trace_requests SET state = $2, finished_at = $3, measurement_id = $4::bigint, "
            "error = $5 WHERE id = $1",
            id, state, nullable(finished_at), nullable(measurement), nullable(error));
        work.commit();
        return 0;
    });
}

std::optional<TraceRequestRow> PostgresMeasurementStore::trace_request(std::int64_t id) {
    std::lock_guard lock(reader_mutex_);
    return on(db_->reader, db_->uri, [&](pqxx::connection& connection) -> std::optional<TraceRequestRow> {
        pqxx::read_transaction work(connection);
        const auto rows =
            work.exec_params(fmt::format("SELECT {} FROM trace_requests WHERE id = $1", kTraceColumns), id);
        if (rows.empty())
            return std::nullopt;
        return trace_row(rows[0]);
    });
}

std::vector<TraceRequestRow> PostgresMeasurementStore::unfinished_trace_requests() {
    std::lock_guard lock(reader_mutex_);
    return on(db_->reader, db_->uri, [&](pqxx::connection& connection) {
        pqxx::read_transaction work(connection);
        std::vector<TraceRequestRow> requests;
        for (const auto& row : work.exec(fmt::format(
                 "SELECT {} FROM trace_requests WHERE state IN ('queued', 'running') ORDER BY id", kTraceColumns)))
            requests.push_back(trace_row(row));
        return requests;
    });
}

std::vector<std::string> PostgresMeasurementStore::trace_request_times(const std::string& column,
                                                                       const std::string& value,
                                                                       const std::string& since) {
    std::lock_guard lock(reader_mutex_);
    return on(db_->reader, db_->uri, [&](pqxx::connection& connection) {
        pqxx::read_transaction work(connection);
        const auto rows =
            work.exec_params(column == "client" ? "SELECT created_at FROM trace_requests WHERE client = "
                                                  "$1 AND created_at >= $2 ORDER BY created_at"
                                                : "SELECT created_at FROM trace_requests WHERE "
                                                  "token_name = $1 AND created_at >= $2 ORDER BY created_at",
                             value, since);
        std::vector<std::string> times;
        for (const auto& row : rows)
            times.push_back(text(row[0]));
        return times;
    });
}

}  // namespace rtt::collector
