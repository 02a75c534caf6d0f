// SPDX-License-Identifier: MIT
#include "trace_request_parser.h"

#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "collector_error.h"

namespace rtt::collector {
namespace {

using nlohmann::json;

[[noreturn]] void refuse(const std::string& sentence) {
    throw TraceRefused(400, sentence);
}

std::string word(const json& body, const char* name, const std::set<std::string>& allowed, const char* fallback) {
    const auto found = body.find(name);
    if (found == body.end())
        return fallback;
    if (!found->is_string() || !allowed.count(found->get<std::string>())) {
        std::string list;
        for (const auto& each : allowed)
            list += (list.empty() ? "" : ", ") + each;
        refuse(fmt::format("\"{}\" must be one of {}", name, list));
    }
    return found->get<std::string>();
}

// A whole number from `low` to `high`, if given.
std::optional<long long> whole(const json& body, const char* name, long long low, long long high) {
    const auto found = body.find(name);
    if (found == body.end())
        return std::nullopt;
    if (!found->is_number_integer() || *found < low || *found > high)
        refuse(fmt::format("\"{}\" must be a whole number from {} to {}", name, low, high));
    return found->get<long long>();
}

}  // namespace

ParsedTraceRequest parse_trace_request(const std::string& body) {
    const json parsed = json::parse(body, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object())
        refuse(R"(the body is not a JSON object: send e.g. {"target": "example.net", "direction": "two-way"})");
    static const std::set<std::string> fields{"target",  "direction",  "protocol", "engine",
                                              "max_ttl", "confidence", "port",     "family"};
    for (const auto& [name, value] : parsed.items())
        if (!fields.count(name))
            refuse(
                fmt::format("unknown field \"{}\": a trace takes target, direction, protocol, engine, max_ttl, "
                            "confidence, port and family",
                            name.substr(0, 40)));
    const auto target = parsed.find("target");
    if (target == parsed.end() || !target->is_string())
        refuse("the body has no \"target\": name the host or address to trace");
    TraceRequest request;
    request.target = target->get<std::string>();
    request.direction = word(parsed, "direction", {"forward", "reverse", "two-way"}, "two-way");
    request.protocol = word(parsed, "protocol", {"udp", "tcp", "icmp"}, "udp");
    request.engine = word(parsed, "engine", {"singlepath", "multipath"}, "singlepath");
    if (const auto max_ttl = whole(parsed, "max_ttl", 1, 64))
        request.options["max-ttl"] = *max_ttl;
    if (const auto port = whole(parsed, "port", 1, 65535)) {
        if (request.protocol == "icmp")
            refuse("\"port\" is for udp and tcp: ICMP probes have none");
        request.options["port"] = *port;
    }
    if (const auto confidence = parsed.find("confidence"); confidence != parsed.end()) {
        if (request.engine != "multipath")
            refuse("\"confidence\" is for multipath traces: say \"engine\": \"multipath\" or drop it");
        if (!confidence->is_number() || *confidence < 0.001 || *confidence > 0.5)
            refuse("\"confidence\" must be a failure probability from 0.001 to 0.5");
        request.options["confidence"] = confidence->get<double>();
    }
    std::optional<Family> family;
    if (const auto number = whole(parsed, "family", 4, 6)) {
        if (*number == 5)
            refuse("\"family\" must be 4 or 6");
        family = *number == 4 ? Family::v4 : Family::v6;
    }
    if (!host_like(request.target))
        refuse(fmt::format("\"{}\" is not a host name or address", request.target.substr(0, 80)));
    return {std::move(request), family};
}

}  // namespace rtt::collector
