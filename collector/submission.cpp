// SPDX-License-Identifier: MIT
#include "submission.h"

#include <memory>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include "embedded_text.h"
#include "json_cost.h"
#include "measurement/json_measurement.h"
#include "measurement/measurement_error.h"
#include "measurement/measurement_locations.h"

namespace rtt::collector {
namespace {

using nlohmann::json;

// Parsed once: the schema is part of the binary.
const valijson::Schema& measurement_schema() {
    static const auto schema = [] {
        auto parsed = std::make_unique<valijson::Schema>();
        const json document = json::parse(measurement_schema_text());
        valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
        valijson::adapters::NlohmannJsonAdapter adapter(document);
        parser.populateSchema(adapter, *parsed);
        return parsed;
    }();
    return *schema;
}

std::string string_at(const json& document, const char* key) {
    const auto found = document.find(key);
    return found != document.end() && found->is_string() ? found->get<std::string>() : std::string();
}

// Deeper JSON is refused before anything walks it recursively (the schema validator does);
// measurements nest five levels.
constexpr int kMaxNesting = 32;
// The most memory one parsed document may take: a measurement costs about five times its
// compact JSON in memory, so this admits any measurement below the default --max-body, while
// text of a few bytes per value (which parses into 16 times its size and more) is refused.
constexpr std::size_t kMaxDocumentMemory = std::size_t{64} << 20;

std::variant<json, RefusedSubmission> parse_object(const std::string& body) {
    // A first pass that builds nothing (nlohmann's parser keeps its own stack, so it reads any
    // depth safely) decides whether the document may be built.
    const JsonCost cost = json_cost(body, kMaxNesting, kMaxDocumentMemory);
    if (cost.depth > kMaxNesting)
        return RefusedSubmission{fmt::format(
            "the body nests deeper than {} levels: send the measurement file as written by --json", kMaxNesting)};
    if (cost.over_limit)
        return RefusedSubmission{fmt::format(
            "the body holds more values than a measurement does (its parsed form would pass {} MiB): send one "
            "measurement as written by --json",
            kMaxDocumentMemory >> 20)};
    json document = cost.valid ? json::parse(body, nullptr, false) : json(json::value_t::discarded);
    if (document.is_discarded())
        return RefusedSubmission{
            "the body is not JSON: send the measurement file as written by --json or "
            "--store-json"};
    if (!document.is_object())
        return RefusedSubmission{"the body is JSON but not an object: send one measurement"};
    return document;
}

}  // namespace

Submission check_measurement(const std::string& body, const GeoIpDatabase* places) {
    auto parsed = parse_object(body);
    if (auto* refused = std::get_if<RefusedSubmission>(&parsed))
        return *refused;
    json& document = std::get<json>(parsed);

    valijson::Validator validator;
    valijson::ValidationResults results;
    valijson::adapters::NlohmannJsonAdapter adapter(document);
    if (!validator.validate(measurement_schema(), adapter, &results)) {
        // The deepest error names the offending field best; valijson lists outer contexts first.
        valijson::ValidationResults::Error error, deepest;
        while (results.popError(error))
            if (error.context.size() >= deepest.context.size())
                deepest = error;
        return RefusedSubmission{fmt::format("the measurement does not match schema version {} at {}: {}",
                                             document.value("schema_version", json()).dump(),
                                             fmt::join(deepest.context, ""), deepest.description)};
    }
    // What the schema cannot say: the vertex lists must be graphs the drawing code can hold.
    for (const auto& [direction, trace] : document.at("traces").items()) {
        try {
            graph_from_trace_json(trace);
        } catch (const MeasurementError& e) {
            return RefusedSubmission{fmt::format("the {} trace cannot be stored: {}", direction, e.what())};
        }
    }
    MeasurementColumns columns{
        "reverse-traceroute",          string_at(document, "target"),     string_at(document, "destination"),
        string_at(document, "source"), string_at(document, "direction"),  string_at(document, "protocol"),
        string_at(document, "engine"), string_at(document, "start_time"), document.at("outcome").dump()};
    // Places are the client's when it sent some (its database, its time); else ours.
    if (places != nullptr && !document.contains("locations")) {
        add_locations(document, *places, "collector");
        return AcceptedSubmission{std::move(columns), document.dump()};
    }
    return AcceptedSubmission{std::move(columns), body};
}

Submission check_augsburg_measurement(const std::string& body) {
    auto parsed = parse_object(body);
    if (auto* refused = std::get_if<RefusedSubmission>(&parsed))
        return *refused;
    const json& document = std::get<json>(parsed);
    // Their layout shares target and protocol with ours; the direction is what their traces hold.
    std::string direction;
    if (const auto traces = document.find("traces"); traces != document.end() && traces->is_object()) {
        const bool forward = traces->contains("forward"), reverse = traces->contains("reverse");
        direction = forward && reverse ? "two-way" : forward ? "forward" : reverse ? "reverse" : "";
    }
    std::string engine = document.contains("multipath")    ? "multipath"
                         : document.contains("singlepath") ? "singlepath"
                                                           : "";
    MeasurementColumns columns{
        "augsburg", string_at(document, "target"), "", "", direction, string_at(document, "protocol"), engine, "", ""};
    return AcceptedSubmission{std::move(columns), body};
}

}  // namespace rtt::collector
