// SPDX-License-Identifier: MIT
#include "measurement_store.h"

#include <openssl/sha.h>

#include <regex>

#include <fmt/format.h>

#include "postgres_store.h"
#include "sqlite_store.h"

namespace rtt::collector {

namespace {

bool is_postgres_uri(const std::string& database) {
    return database.rfind("postgresql://", 0) == 0 || database.rfind("postgres://", 0) == 0;
}

}  // namespace

std::unique_ptr<MeasurementStore> open_measurement_store(const std::string& database) {
    if (is_postgres_uri(database))
        return std::make_unique<PostgresMeasurementStore>(database);
    return std::make_unique<SqliteMeasurementStore>(database);
}

std::string redacted_database(const std::string& database) {
    if (!is_postgres_uri(database))
        return database;
    // postgresql://user:secret@host/db and ...?password=secret: the secret never reaches a log.
    static const std::regex userinfo_password(R"(^(postgres(?:ql)?://[^/@:]*):[^/@]*@)");
    static const std::regex query_password(R"(([?&]password=)[^&]*)");
    std::string text = std::regex_replace(database, userinfo_password, "$1:***@");
    return std::regex_replace(text, query_password, "$1***");
}

std::string document_digest(const std::string& document) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(document.data()), document.size(), digest);
    std::string hex;
    for (const unsigned char byte : digest)
        hex += fmt::format("{:02x}", byte);
    return hex;
}

}  // namespace rtt::collector
