#include "json_measurement.h"

#include <ctime>

#include <fmt/format.h>

#include "output/trace_graph.h"
#include "rtt_version.h"

namespace rtt::client {
namespace {

const char* end_name(TraceEnd end) {
    switch (end) {
    case TraceEnd::reached: return "reached";
    case TraceEnd::unreachable: return "unreachable";
    case TraceEnd::no_reply: return "no_reply";
    case TraceEnd::max_ttl: return "max_ttl";
    case TraceEnd::failed: return "failed";
    }
    return "?";
}

nlohmann::json vertex(int id, const std::string& address, int ttl) {
    return {{"id", id}, {"address", address}, {"ttl", ttl}, {"rtt", nlohmann::json::array()},
            {"flows", nlohmann::json::array()}, {"successors", nlohmann::json::array()}};
}

}  // namespace

// The graph as found (unmerged, as the Augsburg client stores it); "***" for black holes.
nlohmann::json trace_json(const MultipathGraph& graph) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& v : graph.vertices) {
        nlohmann::json entry = vertex(v.id, v.address ? v.address->to_string() : "***", v.ttl);
        entry["rtt"] = v.rtts_ms;
        entry["flows"] = v.flows;
        entry["successors"] = graph.successors(v.id);
        list.push_back(std::move(entry));
    }
    return list;
}

MultipathGraph graph_from_trace_json(const nlohmann::json& trace) {
    MultipathGraph graph;
    for (const auto& entry : trace) {
        MultipathVertex vertex;
        vertex.id = entry.at("id").get<int>();
        vertex.ttl = entry.at("ttl").get<std::uint8_t>();
        const auto address = entry.at("address").get<std::string>();
        if (address != "***")
            vertex.address = IpAddress::parse(address);
        vertex.rtts_ms = entry.at("rtt").get<std::vector<double>>();
        vertex.flows = entry.at("flows").get<std::vector<std::uint16_t>>();
        for (const auto& successor : entry.at("successors"))
            graph.edges.push_back({vertex.id, successor.get<int>(), false, false});
        graph.vertices.push_back(std::move(vertex));
    }
    return graph;
}

std::string rfc3339(std::chrono::system_clock::time_point when) {
    const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count();
    const std::time_t seconds = static_cast<std::time_t>(millis / 1000);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:03d}Z", utc.tm_year + 1900, utc.tm_mon + 1,
                       utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(millis % 1000));
}

nlohmann::json measurement_json(const ClientOptions& options, const MeasurementContext& context,
                                const std::vector<RecordedDirection>& directions,
                                const std::map<IpAddress, std::string>& hostnames) {
    nlohmann::json m;
    m["schema_version"] = kMeasurementSchemaVersion;
    m["tool"] = {{"name", "reverse-traceroute"}, {"version", RTT_VERSION_STRING}};
    m["engine"] = options.engine == EngineKind::multipath ? "multipath" : "singlepath";
    m["direction"] = direction_name(options.direction);
    m["start_time"] = rfc3339(context.start);
    m["end_time"] = rfc3339(context.end);
    m["source"] = context.source.to_string();
    m["destination"] = context.target.to_string();
    if (options.direction != Direction::forward)
        m["server"] = context.target.to_string();
    m["target"] = options.target;
    m["protocol"] = protocol_name(options.protocol);
    m["min_ttl"] = options.first_ttl;
    m["max_ttl"] = options.max_ttl;
    if (options.engine == EngineKind::singlepath)
        m["singlepath"] = {{"flow", options.flow}, {"probes", options.probes_per_hop}};
    else
        m["multipath"] = {{"confidence", options.confidence}, {"retry", options.retry},
                          {"min_burst", options.min_burst}, {"max_burst", options.max_burst},
                          {"single_vertex_probing", false}, {"max_probes", options.max_probes}};
    m["inter"] = options.inter_s;
    m["timeout"] = options.timeout_s;
    m["abort"] = options.abort_after;
    m["traces"] = nlohmann::json::object();
    m["outcome"] = nlohmann::json::object();
    m["probes"] = nlohmann::json::object();
    for (const auto& d : directions) {
        m["traces"][d.name] = trace_json(trace_graph(*d.record, d.root, d.end_of_path));
        if (const auto& summary = d.record->summary) {
            m["outcome"][d.name] = end_name(summary->end);
            m["probes"][d.name] = {{"sent", summary->probes_sent}, {"answered", summary->probes_answered}};
        }
    }
    m["hostnames"] = nlohmann::json::object();
    for (const auto& [address, name] : hostnames)
        m["hostnames"][address.to_string()] = nlohmann::json::array({name});
    return m;
}

}  // namespace rtt::client
