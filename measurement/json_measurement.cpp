// SPDX-License-Identifier: MIT
#include "measurement/json_measurement.h"

#include <ctime>

#include <fmt/format.h>

#include "measurement/trace_graph.h"
#include "rtt_version.h"

namespace rtt {
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
    return {{"id", id},
            {"address", address},
            {"ttl", ttl},
            {"rtt", nlohmann::json::array()},
            {"flows", nlohmann::json::array()},
            {"successors", nlohmann::json::array()}};
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

nlohmann::json measurement_json(const MeasurementParameters& parameters, const MeasurementContext& context,
                                const std::vector<RecordedDirection>& directions,
                                const std::map<IpAddress, std::string>& hostnames) {
    const MeasurementParameters& p = parameters;
    nlohmann::json m;
    m["schema_version"] = kMeasurementSchemaVersion;
    m["tool"] = {{"name", "reverse-traceroute"}, {"version", RTT_VERSION_STRING}};
    m["engine"] = p.multipath ? "multipath" : "singlepath";
    m["direction"] = p.forward && p.reverse ? "two-way" : p.forward ? "forward" : "reverse";
    m["start_time"] = rfc3339(context.start);
    m["end_time"] = rfc3339(context.end);
    m["source"] = context.source.to_string();
    m["destination"] = context.target.to_string();
    if (p.reverse)
        m["server"] = context.target.to_string();
    m["target"] = p.target;
    m["protocol"] = protocol_name(p.protocol);
    m["min_ttl"] = p.first_ttl;
    m["max_ttl"] = p.max_ttl;
    if (p.multipath)
        m["multipath"] = {{"confidence", p.confidence},     {"retry", p.retry},
                          {"min_burst", p.min_burst},       {"max_burst", p.max_burst},
                          {"single_vertex_probing", false}, {"max_probes", p.max_probes}};
    else
        m["singlepath"] = {{"flow", p.flow}, {"probes", p.probes_per_hop}};
    m["inter"] = p.inter_s;
    m["timeout"] = p.timeout_s;
    m["abort"] = p.abort_after;
    m["traces"] = nlohmann::json::object();
    m["outcome"] = nlohmann::json::object();
    m["probes"] = nlohmann::json::object();
    for (const auto& d : directions) {
        const std::string name(trace_direction_name(d.direction));
        m["traces"][name] = trace_json(trace_graph(*d.record, d.root, d.end_of_path));
        if (const auto& summary = d.record->summary) {
            m["outcome"][name] = end_name(summary->end);
            m["probes"][name] = {{"sent", summary->probes_sent}, {"answered", summary->probes_answered}};
        }
    }
    m["hostnames"] = nlohmann::json::object();
    for (const auto& [address, name] : hostnames)
        m["hostnames"][address.to_string()] = nlohmann::json::array({name});
    return m;
}

}  // namespace rtt
