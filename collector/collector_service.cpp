// SPDX-License-Identifier: MIT
#include "collector_service.h"

#include <cctype>
#include <charconv>
#include <chrono>
#include <mutex>
#include <regex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "collector_error.h"
#include "embedded_text.h"
#include "measurement/measurement_error.h"
#include "measurement/stored_drawing.h"
#include "path_difference.h"
#include "prometheus_text.h"
#include "submission.h"
#include "trace_request_parser.h"

namespace rtt::collector {
namespace {

using nlohmann::json;

constexpr const char* kJson = "application/json";
constexpr int kMaxPage = 1000;

// JSON text of a response. Messages may quote the request's path or parameters, which need not
// be UTF-8: such bytes become U+FFFD instead of an exception (which once ended the process).
std::string json_text(const json& value) {
    return value.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

void answer_error(HttpResponse& res, int status, const std::string& reason) {
    res.status = status;
    res.content_type = kJson;
    res.body = json_text(json{{"error", reason}});
}

void answer_json(HttpResponse& res, const json& value) {
    res.content_type = kJson;
    res.body = json_text(value);
}

constexpr unsigned kSubmit = static_cast<unsigned>(Scope::submit);
constexpr unsigned kRead = static_cast<unsigned>(Scope::read);
constexpr unsigned kTrace = static_cast<unsigned>(Scope::trace);
constexpr unsigned kMetrics = static_cast<unsigned>(Scope::metrics);

bool is_trace_path(const std::string& path) {
    return path == "/api/v1/traces" || path.rfind("/api/v1/traces/", 0) == 0;
}

// The scopes of which a request needs one (0: the page and health, open to all).
unsigned scopes_needed(const HttpRequest& req) {
    if (req.path == "/post_trace" || (req.method == "POST" && req.path == "/api/v1/measurements"))
        return kSubmit;
    if (is_trace_path(req.path))
        return req.method == "POST" ? kTrace : kTrace | kRead;  // who starts traces may watch them
    if (req.path == "/api/v1/token")
        return kSubmit | kRead | kTrace | kMetrics;
    if (req.path == "/metrics")
        return kMetrics;
    if (req.path.rfind("/api/", 0) == 0)
        return kRead;
    return 0;
}

std::string scope_names(unsigned scopes) {
    std::string names;
    for (const auto& [bit, name] :
         {std::pair{kSubmit, "submit"}, {kRead, "read"}, {kTrace, "trace"}, {kMetrics, "metrics"}})
        if (scopes & bit)
            names += (names.empty() ? "" : " or ") + std::string(name);
    return names;
}

std::optional<std::int64_t> positive_integer(const std::string& text) {
    std::int64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value < 1)
        return std::nullopt;
    return value;
}

bool is_time_prefix(const std::string& text) {
    static const std::regex rfc3339(R"(\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?Z?)?)");
    return std::regex_match(text, rfc3339);
}

// The list filters from the query string, or the sentence saying which one is wrong.
std::variant<ListQuery, std::string> list_query(const HttpRequest& req) {
    ListQuery query;
    for (const auto& [key, value] : req.params) {
        if (key == "target")
            query.target = value;
        else if (key == "direction") {
            if (value != "forward" && value != "reverse" && value != "two-way")
                return fmt::format("direction '{}' is unknown: give forward, reverse or two-way", value);
            query.direction = value;
        } else if (key == "protocol") {
            if (value != "udp" && value != "tcp" && value != "icmp")
                return fmt::format("protocol '{}' is unknown: give udp, tcp or icmp", value);
            query.protocol = value;
        } else if (key == "since" || key == "until") {
            if (!is_time_prefix(value))
                return fmt::format("{} '{}' is not a time: give UTC as 2026-11-23 or 2026-11-23T17:00:00Z", key, value);
            (key == "since" ? query.since : query.until) = value;
        } else if (key == "before") {
            query.before_id = positive_integer(value);
            if (!query.before_id)
                return fmt::format("before '{}' is not a measurement id: give the id of the last row seen", value);
        } else if (key == "limit") {
            const auto limit = positive_integer(value);
            if (!limit || *limit > kMaxPage)
                return fmt::format("limit '{}' is out of range: give 1 to {}", value, kMaxPage);
            query.limit = static_cast<int>(*limit);
        } else
            return fmt::format(
                "unknown parameter '{}': filter with target, direction, protocol, since, until, "
                "before and limit",
                key);
    }
    return query;
}

json summary_json(const StoredSummary& row) {
    const auto& c = row.columns;
    json entry{{"id", row.id},
               {"url", fmt::format("/api/v1/measurements/{}", row.id)},
               {"received_at", row.received_at},
               {"format", c.format}};
    const std::pair<const char*, const std::string*> fields[] = {
        {"target", &c.target},        {"destination", &c.destination}, {"source", &c.source},
        {"direction", &c.direction},  {"protocol", &c.protocol},       {"engine", &c.engine},
        {"start_time", &c.start_time}};
    for (const auto& [name, value] : fields)
        entry[name] = value->empty() ? json() : json(*value);
    entry["outcome"] = c.outcome.empty() ? json() : json::parse(c.outcome, nullptr, false);
    if (entry["outcome"].is_discarded())
        entry["outcome"] = json();
    return entry;
}

// A query component, percent-encoded (RFC 3986: all but the unreserved characters).
std::string query_encoded(const std::string& text) {
    std::string out;
    for (const unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
            out += static_cast<char>(c);
        else
            out += fmt::format("%{:02X}", c);
    }
    return out;
}

// The next page's query string: the same filters, below the last id shown.
std::string next_page(const HttpRequest& req, std::int64_t last_id) {
    std::string query;
    for (const auto& [key, value] : req.params)
        if (key != "before")
            query += fmt::format("{}={}&", query_encoded(key), query_encoded(value));
    return fmt::format("/api/v1/measurements?{}before={}", query, last_id);
}

// The document whose id the path names, or nullopt after answering 404.
std::optional<std::string> requested_document(MeasurementStore& store, const std::string& id_text, HttpResponse& res) {
    const auto id = positive_integer(id_text);
    auto document = id ? store.document(*id) : std::nullopt;
    if (!document)
        answer_error(res, 404, fmt::format("no measurement {}: list them at /api/v1/measurements", id_text));
    return document;
}

void store_submission(MeasurementStore& store, const Submission& submission, HttpResponse& res) {
    if (const auto* refused = std::get_if<RefusedSubmission>(&submission)) {
        answer_error(res, 400, refused->reason);
        return;
    }
    const auto& accepted = std::get<AcceptedSubmission>(submission);
    const AddedMeasurement added = store.add(accepted.columns, accepted.document);
    const std::string url = fmt::format("/api/v1/measurements/{}", added.id);
    // 200 for a document stored before (a retry): the client learns its id all the same.
    res.status = added.created ? 201 : 200;
    res.headers.emplace_back("Location", url);
    answer_json(res, json{{"id", added.id}, {"url", url}, {"created", added.created}});
}

void list_measurements(MeasurementStore& store, const HttpRequest& req, HttpResponse& res) {
    auto query = list_query(req);
    if (const auto* problem = std::get_if<std::string>(&query)) {
        answer_error(res, 400, *problem);
        return;
    }
    const auto& filters = std::get<ListQuery>(query);
    const auto rows = store.list(filters);
    json page{{"measurements", json::array()}, {"next", json()}};
    for (const auto& row : rows)
        page["measurements"].push_back(summary_json(row));
    if (static_cast<int>(rows.size()) == filters.limit)
        page["next"] = next_page(req, rows.back().id);
    answer_json(res, page);
}

void draw_measurement(MeasurementStore& store, const std::string& id, HttpResponse& res) {
    const auto document = requested_document(store, id, res);
    if (!document)
        return;
    try {
        res.body = draw_stored_measurement(json::parse(*document), "svg");
        res.content_type = "image/svg+xml";
    } catch (const MeasurementError& e) {
        answer_error(res, 422, fmt::format("measurement {} cannot be drawn: {}", id, e.what()));
    }
}

void compare_measurements(MeasurementStore& store, const std::string& before_id, const std::string& after_id,
                          HttpResponse& res) {
    const auto before = requested_document(store, before_id, res);
    const auto after = before ? requested_document(store, after_id, res) : std::nullopt;
    if (!after)
        return;
    try {
        json difference = path_difference(json::parse(*before), json::parse(*after));
        difference["before"] = std::stoll(before_id);
        difference["after"] = std::stoll(after_id);
        answer_json(res, difference);
    } catch (const MeasurementError& e) {
        answer_error(res, 422,
                     fmt::format("measurements {} and {} cannot be compared: {}", before_id, after_id, e.what()));
    }
}

const std::regex& document_path() {
    static const std::regex path(R"(/api/v1/measurements/(\d+))");
    return path;
}

// A browser opening the URL --transmit printed (a navigation: it asks for HTML and sends no
// token) is sent to the page, which shows that measurement once it has the token.
bool is_page_navigation(const HttpRequest& req, std::string& id) {
    std::smatch match;
    if (req.method != "GET" || !req.header("Authorization").empty() ||
        req.header("Accept").find("text/html") == std::string::npos ||
        !std::regex_match(req.path, match, document_path()))
        return false;
    id = match[1].str();
    return true;
}

bool is_submission(const HttpRequest& req) {
    return req.method == "POST" && (req.path == "/api/v1/measurements" || req.path == "/post_trace");
}

// Checking a large body takes several times its size in memory (the parsed document): such
// bodies are checked one at a time, so that the memory stays bounded whatever arrives at once.
constexpr std::size_t kLargeBody = std::size_t{1} << 20;
std::mutex large_body_check;

Submission checked(const HttpRequest& req, const GeoIpDatabase* places) {
    std::unique_lock lock(large_body_check, std::defer_lock);
    if (req.body.size() > kLargeBody)
        lock.lock();
    return req.path == "/post_trace" ? check_augsburg_measurement(req.body) : check_measurement(req.body, places);
}

void start_trace(LookingGlass& glass, const AccessControl& access, const HttpRequest& req, HttpResponse& res) {
    const auto grant = access.grant(req.header("Authorization"));
    try {
        auto [request, family] = parse_trace_request(req.body);
        // Resolved last (it costs a lookup), and the address it gives is the one probed.
        request.address = glass.policy.resolve(request.target, family).to_string();
        const std::int64_t id = glass.runner.submit(request, grant->name, req.client, !grant->anonymous);
        const std::string url = fmt::format("/api/v1/traces/{}", id);
        res.status = 202;
        res.headers.emplace_back("Location", url);
        answer_json(res, json{{"id", id},
                              {"url", url},
                              {"events", url + "/events"},
                              {"target", request.target},
                              {"address", request.address}});
    } catch (const TraceRefused& refused) {
        if (refused.retry_after_s() > 0)
            res.headers.emplace_back("Retry-After", std::to_string(refused.retry_after_s()));
        answer_error(res, refused.status(), refused.what());
    }
}

// The looking glass's routes; false if the request is none of them.
bool route_traces(LookingGlass* glass, const AccessControl& access, const HttpRequest& req, HttpResponse& res) {
    static const std::regex trace_path(R"(/api/v1/traces/(\d+))");
    static const std::regex events_path(R"(/api/v1/traces/(\d+)/events)");
    if (!is_trace_path(req.path))
        return false;
    if (glass == nullptr) {
        answer_error(res, 404, "this collector runs no traces: its operator enables them with --looking-glass");
        return true;
    }
    const bool get = req.method == "GET" || req.method == "HEAD";
    std::smatch match;
    if (req.method == "POST" && req.path == "/api/v1/traces") {
        start_trace(*glass, access, req, res);
    } else if (get && std::regex_match(req.path, match, trace_path)) {
        const auto id = positive_integer(match[1].str());
        const auto status = id ? glass->runner.status(*id) : std::nullopt;
        if (status)
            answer_json(res, *status);
        else
            answer_error(res, 404, fmt::format("no trace {}: start one with POST /api/v1/traces", match[1].str()));
    } else if (get && std::regex_match(req.path, match, events_path)) {
        const auto id = positive_integer(match[1].str());
        auto stream = id ? glass->runner.events(*id) : nullptr;
        if (!stream) {
            answer_error(res, 404, fmt::format("no trace {}: start one with POST /api/v1/traces", match[1].str()));
        } else {
            res.stream = std::move(stream);
            res.content_type = "text/event-stream";
            res.headers.emplace_back("Cache-Control", "no-cache");
            res.headers.emplace_back("X-Accel-Buffering", "no");  // a proxy in front passes each event on
        }
    } else {
        answer_error(res, 404,
                     fmt::format("nothing at {} {}: POST /api/v1/traces, GET /api/v1/traces/ID or its /events",
                                 req.method, req.path));
    }
    return true;
}

void route(MeasurementStore& store, const AccessControl& access, LookingGlass* glass, const GeoIpDatabase* places,
           const HttpRequest& req, HttpResponse& res) {
    static const std::regex graph_path(R"(/api/v1/measurements/(\d+)/graph\.svg)");
    static const std::regex diff_path(R"(/api/v1/measurements/(\d+)/diff/(\d+))");
    const bool get = req.method == "GET" || req.method == "HEAD";
    std::smatch match;
    if (route_traces(glass, access, req, res))
        return;
    if (get && req.path == "/api/v1/token") {
        // What the token presented may do, so that the page offers only that.
        const auto grant = access.grant(req.header("Authorization"));
        json scopes = json::array();
        for (const auto& [scope, name] : {std::pair{Scope::submit, "submit"},
                                          {Scope::read, "read"},
                                          {Scope::trace, "trace"},
                                          {Scope::metrics, "metrics"}})
            if (grant->has(scope))
                scopes.push_back(name);
        answer_json(res, json{{"name", grant->name}, {"scopes", scopes}, {"looking_glass", glass != nullptr}});
        return;
    }
    if (is_submission(req))
        store_submission(store, checked(req, places), res);
    else if (get && req.path == "/api/v1/measurements")
        list_measurements(store, req, res);
    else if (get && std::regex_match(req.path, match, document_path())) {
        if (const auto document = requested_document(store, match[1].str(), res)) {
            res.body = *document;
            res.content_type = kJson;
        }
    } else if (get && std::regex_match(req.path, match, graph_path))
        draw_measurement(store, match[1].str(), res);
    else if (get && std::regex_match(req.path, match, diff_path))
        compare_measurements(store, match[1].str(), match[2].str(), res);
    else if (get && req.path == "/healthz") {
        store.count();  // throws (→ 500) if the database cannot be read
        answer_json(res, json{{"status", "ok"}, {"schema_version", kSchemaVersion}});
    } else if (get && req.path == "/") {
        res.body = std::string(web_page_html());
        res.content_type = "text/html; charset=utf-8";
    } else if (get && req.path == "/world.json") {
        // The page's base map: the same for every measurement and every release's page.
        res.body = std::string(world_map_json());
        res.content_type = "application/json";
        res.headers.emplace_back("Cache-Control", "public, max-age=86400");
    } else
        answer_error(res, 404, fmt::format("nothing at {}: the API is under /api/v1/measurements", req.path));
}

// A scrape from this machine itself, not relayed by a proxy on it: Prometheus on the same host
// needs no token, while a reverse proxy in front of the collector does not open /metrics to all.
bool local_scrape(const HttpRequest& req) {
    const bool loopback = req.peer == "::1" || req.peer.rfind("127.", 0) == 0 || req.peer.rfind("::ffff:127.", 0) == 0;
    return loopback && req.header("X-Forwarded-For").empty() && req.header("Forwarded").empty();
}

}  // namespace

HttpHandlers collector_handlers(MeasurementStore& store, const AccessControl& access, RequestRateLimiter& limiter,
                                LookingGlass* glass, const GeoIpDatabase* places, CollectorMetrics* metrics) {
    HttpHandlers handlers;
    handlers.admit = [&](const HttpRequest& req, HttpResponse& res) {
        if (!limiter.admit(req.client)) {
            res.headers.emplace_back("Retry-After", "1");
            answer_error(res, 429, "too many requests from your address: slow down and retry after a second");
            return false;
        }
        if (std::string id; is_page_navigation(req, id)) {
            res.status = 303;
            res.headers.emplace_back("Location", "/?measurement=" + id);
            answer_json(res, json{{"error", "this is the API; the page at / shows measurement " + id}});
            return false;
        }
        const unsigned needed = scopes_needed(req);
        if (needed == 0 || (needed == kMetrics && local_scrape(req)))
            return true;
        const auto grant = access.grant(req.header("Authorization"));
        if (grant && (grant->scopes & needed) != 0)
            return true;
        if (!grant || grant->anonymous) {
            res.headers.emplace_back("WWW-Authenticate", req.path == "/post_trace" ? "Basic realm=\"collector\""
                                                                                   : "Bearer realm=\"collector\"");
            answer_error(res, 401,
                         "missing or unknown token: send `Authorization: Bearer TOKEN` with a token from the "
                         "collector's operator");
            return false;
        }
        answer_error(res, 403,
                     fmt::format("token {} may not do this: it needs the {} scope, which the collector's operator "
                                 "grants in the token file",
                                 grant->name, scope_names(needed)));
        return false;
    };
    handlers.takes_body = [](const HttpRequest& req) {
        return is_submission(req) || (req.method == "POST" && req.path == "/api/v1/traces");
    };
    handlers.handle = [&store, &access, glass, places, metrics](const HttpRequest& req, HttpResponse& res) {
        if (req.path == "/metrics" && (req.method == "GET" || req.method == "HEAD")) {
            if (!metrics) {
                answer_error(res, 404, "this collector keeps no metrics");
                return;
            }
            res.body = metrics->scrape(store, glass ? &glass->runner : nullptr);
            res.content_type = kPrometheusContentType;
            return;
        }
        const auto start = std::chrono::steady_clock::now();
        route(store, access, glass, places, req, res);
        if (metrics && is_submission(req) && (res.status == 200 || res.status == 201))
            metrics->ingested(std::chrono::steady_clock::now() - start);
    };
    if (metrics) {
        handlers.answered = [metrics](int status) { metrics->answered(status); };
        handlers.connections_changed = [metrics](int change) { metrics->connections_changed(change); };
    }
    return handlers;
}

}  // namespace rtt::collector
