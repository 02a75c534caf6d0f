// SPDX-License-Identifier: MIT
#include "collector_service.h"

#include <charconv>
#include <regex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "collector_error.h"
#include "embedded_text.h"
#include "measurement/measurement_error.h"
#include "measurement/stored_drawing.h"
#include "submission.h"

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

void answer_error(httplib::Response& res, int status, const std::string& reason) {
    res.status = status;
    res.set_content(json_text(json{{"error", reason}}), kJson);
}

// True for the paths that hold or take data: they need a token.
bool guarded(const std::string& path) {
    return path.rfind("/api/", 0) == 0 || path == "/post_trace";
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
std::variant<ListQuery, std::string> list_query(const httplib::Request& req) {
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
    return entry;
}

// The next page's query string: the same filters, below the last id shown.
std::string next_page(const httplib::Request& req, std::int64_t last_id) {
    httplib::Params params = req.params;
    params.erase("before");
    params.emplace("before", std::to_string(last_id));
    return "/api/v1/measurements?" + httplib::detail::params_to_query_str(params);
}

constexpr const char* kTooLarge =
    "the body is larger than this collector accepts (--max-body): send one "
    "measurement, not an archive";

// The whole body, or nullopt after answering 413/400 if it is too large or cut short.
std::optional<std::string> read_body(const httplib::ContentReader& reader, std::size_t max_body,
                                     httplib::Response& res) {
    std::string body;
    const bool complete = reader([&](const char* data, std::size_t length) {
        body.append(data, length);
        return body.size() <= max_body;
    });
    if (body.size() > max_body || (!complete && res.status == 413)) {
        answer_error(res, 413, kTooLarge);
        return std::nullopt;
    }
    if (!complete) {
        answer_error(res, 400, "the body ended early: send the whole measurement");
        return std::nullopt;
    }
    return body;
}

// The document whose id the path names, or nullopt after answering 404.
std::optional<std::string> requested_document(MeasurementStore& store, const httplib::Request& req,
                                              httplib::Response& res) {
    const auto id = positive_integer(req.matches[1]);
    auto document = id ? store.document(*id) : std::nullopt;
    if (!document)
        answer_error(res, 404,
                     fmt::format("no measurement {}: list them at /api/v1/measurements", req.matches[1].str()));
    return document;
}

void store_submission(MeasurementStore& store, const Submission& submission, httplib::Response& res) {
    if (const auto* refused = std::get_if<RefusedSubmission>(&submission)) {
        answer_error(res, 400, refused->reason);
        return;
    }
    const auto& accepted = std::get<AcceptedSubmission>(submission);
    const AddedMeasurement added = store.add(accepted.columns, accepted.document);
    const std::string url = fmt::format("/api/v1/measurements/{}", added.id);
    // 200 for a document stored before (a retry): the client learns its id all the same.
    res.status = added.created ? 201 : 200;
    res.set_header("Location", url);
    res.set_content(json_text(json{{"id", added.id}, {"url", url}, {"created", added.created}}), kJson);
}

}  // namespace

void install_collector_service(httplib::Server& server, MeasurementStore& store, const AccessControl& access,
                               RequestRateLimiter& limiter, std::size_t max_body) {
    server.set_payload_max_length(max_body);  // also checked while reading (read_body)
    server.set_keep_alive_max_count(1000);
    // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, with which a second collector on the
    // same port would start without error and take half of the connections.
    server.set_socket_options([](int socket) {
        const int yes = 1;
        setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });

    server.set_pre_routing_handler([&](const httplib::Request& req, httplib::Response& res) {
        if (!limiter.admit(req.remote_addr)) {
            res.set_header("Retry-After", "1");
            answer_error(res, 429, "too many requests from your address: slow down and retry after a second");
            return httplib::Server::HandlerResponse::Handled;
        }
        if (guarded(req.path) && !access.allows(req.get_header_value("Authorization"))) {
            res.set_header("WWW-Authenticate",
                           req.path == "/post_trace" ? "Basic realm=\"collector\"" : "Bearer realm=\"collector\"");
            answer_error(res, 401,
                         "missing or unknown token: send `Authorization: Bearer TOKEN` with a token from the "
                         "collector's operator");
            return httplib::Server::HandlerResponse::Handled;
        }
        return httplib::Server::HandlerResponse::Unhandled;
    });

    // Bodies are read through a content reader: httplib would otherwise parse a body sent as
    // application/x-www-form-urlencoded (curl -d) and refuse it above 8 KiB.
    server.Post("/api/v1/measurements",
                [&, max_body](const httplib::Request&, httplib::Response& res, const httplib::ContentReader& reader) {
                    if (const auto body = read_body(reader, max_body, res))
                        store_submission(store, check_measurement(*body), res);
                });
    server.Post("/post_trace",
                [&, max_body](const httplib::Request&, httplib::Response& res, const httplib::ContentReader& reader) {
                    if (const auto body = read_body(reader, max_body, res))
                        store_submission(store, check_augsburg_measurement(*body), res);
                });

    server.Get("/api/v1/measurements", [&](const httplib::Request& req, httplib::Response& res) {
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
        res.set_content(json_text(page), kJson);
    });

    server.Get(R"(/api/v1/measurements/(\d+))", [&](const httplib::Request& req, httplib::Response& res) {
        if (const auto document = requested_document(store, req, res))
            res.set_content(*document, kJson);
    });

    server.Get(R"(/api/v1/measurements/(\d+)/graph\.svg)", [&](const httplib::Request& req, httplib::Response& res) {
        const auto document = requested_document(store, req, res);
        if (!document)
            return;
        try {
            res.set_content(draw_stored_measurement(json::parse(*document), "svg"), "image/svg+xml");
        } catch (const MeasurementError& e) {
            answer_error(res, 422, fmt::format("measurement {} cannot be drawn: {}", req.matches[1].str(), e.what()));
        }
    });

    server.Get("/healthz", [&](const httplib::Request&, httplib::Response& res) {
        store.count();  // throws (→ 500) if the database cannot be read
        res.set_content(json_text(json{{"status", "ok"}, {"schema_version", MeasurementStore::schema_version()}}),
                        kJson);
    });

    server.Get("/", [](const httplib::Request&, httplib::Response& res) {
        res.set_content(std::string(web_page_html()), "text/html; charset=utf-8");
    });

    server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty())
            return;
        if (res.status == 413)
            answer_error(res, 413, kTooLarge);
        else if (res.status == 404)
            answer_error(res, 404, fmt::format("nothing at {}: the API is under /api/v1/measurements", req.path));
        else
            answer_error(res, res.status, fmt::format("request failed with status {}", res.status));
    });

    server.set_exception_handler(
        [](const httplib::Request& req, httplib::Response& res, const std::exception_ptr& error) {
            std::string what = "unknown error";
            try {
                std::rethrow_exception(error);
            } catch (const std::exception& e) {
                what = e.what();
            } catch (...) {
            }
            std::fprintf(stderr, "collector: %s %s failed: %s\n", req.method.c_str(), req.path.c_str(), what.c_str());
            answer_error(res, 500, "the collector failed to handle this request; its log says why");
        });

    // Access log: no headers, so no token ever reaches it.
    server.set_logger([](const httplib::Request& req, const httplib::Response& res) {
        std::fprintf(stderr, "%s %s %s %d %zu\n", req.remote_addr.c_str(), req.method.c_str(), req.path.c_str(),
                     res.status, res.body.size());
    });
}

}  // namespace rtt::collector
