// SPDX-License-Identifier: MIT
#include "measurement/json_measurement.h"

#include <cmath>
#include <ctime>
#include <limits>
#include <set>

#include <fmt/format.h>

#include "measurement/measurement_error.h"
#include "measurement/trace_graph.h"
#include "rtt_version.h"

namespace rtt {

const char* trace_end_name(TraceEnd end) {
    switch (end) {
    case TraceEnd::reached: return "reached";
    case TraceEnd::unreachable: return "unreachable";
    case TraceEnd::no_reply: return "no_reply";
    case TraceEnd::max_ttl: return "max_ttl";
    case TraceEnd::failed: return "failed";
    case TraceEnd::interrupted: return "interrupted";
    }
    return "?";
}

namespace {

nlohmann::json vertex(int id, const std::string& address, int ttl) {
    return {{"id", id},
            {"address", address},
            {"ttl", ttl},
            {"rtt", nlohmann::json::array()},
            {"flows", nlohmann::json::array()},
            {"successors", nlohmann::json::array()}};
}

// Sent, received, Loss% and the RTT figures (when any answer came) into `entry`.
void add_rtt_figures(nlohmann::json& entry, const RttStatistics& rtt) {
    entry["sent"] = rtt.sent();
    entry["received"] = rtt.received();
    entry["loss_percent"] = rtt.loss_percent();
    if (rtt.received() > 0) {
        entry["last_ms"] = rtt.last_ms();
        entry["avg_ms"] = rtt.mean_ms();
        entry["best_ms"] = rtt.best_ms();
        entry["worst_ms"] = rtt.worst_ms();
        entry["stddev_ms"] = rtt.stddev_ms();
    }
}

nlohmann::json statistics_json(const std::vector<HopStatistics>& hops) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& hop : hops) {
        nlohmann::json addresses = nlohmann::json::array();
        for (const auto& address : hop.addresses)
            addresses.push_back(address.to_string());
        nlohmann::json entry = {{"ttl", hop.ttl}, {"addresses", addresses}};
        add_rtt_figures(entry, hop.rtt);
        list.push_back(std::move(entry));
    }
    return list;
}

const char* rtt_measured_by(TraceDirection direction) {
    return direction == TraceDirection::reverse ? "server" : "client";
}

}  // namespace

nlohmann::json direction_statistics_json(TraceDirection direction, const std::vector<HopStatistics>& hops) {
    return {{"rtt_measured_by", rtt_measured_by(direction)}, {"hops", statistics_json(hops)}};
}

nlohmann::json vertex_statistics_json(TraceDirection direction, const std::vector<VertexFigures>& vertices) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& vertex : vertices) {
        nlohmann::json entry = {{"ttl", vertex.ttl},
                                {"address", vertex.address.to_string()},
                                {"flows", vertex.flows},
                                {"flow_share", vertex.flow_share}};
        add_rtt_figures(entry, vertex.rtt);
        entry["answered_elsewhere"] = vertex.answered_elsewhere;
        list.push_back(std::move(entry));
    }
    return {{"rtt_measured_by", rtt_measured_by(direction)}, {"vertices", list}};
}

// The graph as found (unmerged, as the Augsburg client stores it); "***" for black holes.
nlohmann::json trace_json(const MultipathGraph& graph) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& v : graph.vertices) {
        nlohmann::json entry = vertex(v.id, v.address ? v.address->to_string() : "***", v.ttl);
        entry["rtt"] = v.rtts_ms;
        if (v.sent > 0)  // multipath counts attempts per vertex; single path keeps them in "statistics"
            entry["sent"] = v.sent;
        entry["flows"] = v.flows;
        entry["successors"] = graph.successors(v.id);
        if (v.per_packet)
            entry["per_packet"] = true;
        if (!v.other_destination_next_hops.empty()) {
            nlohmann::json hops = nlohmann::json::array();
            for (const auto& hop : v.other_destination_next_hops)
                hops.push_back(hop.to_string());
            entry["other_destination_next_hops"] = std::move(hops);
        }
        nlohmann::json uncertain = nlohmann::json::array();
        for (const auto& edge : graph.edges)
            if (edge.from == v.id && edge.uncertain)
                uncertain.push_back(edge.to);
        if (!uncertain.empty())
            entry["uncertain_successors"] = std::move(uncertain);
        if (!v.mpls.empty()) {
            nlohmann::json stacks = nlohmann::json::array();
            for (const auto& stack : v.mpls) {
                nlohmann::json entries = nlohmann::json::array();
                for (const auto& e : stack)
                    entries.push_back({{"label", e.label}, {"tc", e.tc}, {"s", e.bottom}, {"ttl", e.ttl}});
                stacks.push_back(std::move(entries));
            }
            entry["mpls"] = std::move(stacks);
        }
        if (!v.changes.empty()) {
            nlohmann::json changes = nlohmann::json::array();
            for (const auto& c : v.changes)
                changes.push_back({{"field", path_change_kind_name(c.kind)}, {"from", c.from}, {"to", c.to}});
            entry["path_changes"] = std::move(changes);
        }
        list.push_back(std::move(entry));
    }
    return list;
}

namespace {

// An integer field of vertex `index` within [low, high], or the sentence saying what is wrong.
long long integer_field(const nlohmann::json& value, std::size_t index, const char* field, long long low,
                        long long high) {
    if (!value.is_number_integer() || value.get<long long>() < low || value.get<long long>() > high)
        throw MeasurementError(fmt::format("vertex {} of a trace has {} {}: give an integer from {} to {}", index,
                                           field, value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                                           low, high));
    return value.get<long long>();
}

const nlohmann::json& array_field(const nlohmann::json& entry, std::size_t index, const char* field) {
    const auto found = entry.find(field);
    if (found == entry.end() || !found->is_array())
        throw MeasurementError(fmt::format("vertex {} of a trace has no list '{}'", index, field));
    return *found;
}

}  // namespace

// Every value is checked before it is used, since stored documents come from anyone with a
// token: vertex ids must be 0..n-1, each once, so that ids index the vertex list, and successors
// must name vertices of the trace.
MultipathGraph graph_from_trace_json(const nlohmann::json& trace) {
    if (!trace.is_array())
        throw MeasurementError("a trace is not a list of vertices");
    const std::size_t count = trace.size();
    if (count > static_cast<std::size_t>(std::numeric_limits<int>::max()))
        throw MeasurementError("a trace has too many vertices");
    const auto last_id = static_cast<long long>(count) - 1;
    MultipathGraph graph;
    graph.vertices.resize(count);
    std::vector<bool> seen(count, false);
    for (std::size_t index = 0; index < count; ++index) {
        const auto& entry = trace[index];
        if (!entry.is_object())
            throw MeasurementError(fmt::format("vertex {} of a trace is not an object", index));
        const auto id =
            static_cast<std::size_t>(integer_field(entry.value("id", nlohmann::json()), index, "id", 0, last_id));
        if (seen[id])
            throw MeasurementError(
                fmt::format("two vertices of a trace have id {}: ids must be 0 to {}, each once", id, last_id));
        seen[id] = true;
        MultipathVertex& vertex = graph.vertices[id];
        vertex.id = static_cast<int>(id);
        vertex.ttl =
            static_cast<std::uint8_t>(integer_field(entry.value("ttl", nlohmann::json()), index, "ttl", 0, 255));
        const auto address = entry.value("address", nlohmann::json());
        if (!address.is_string())
            throw MeasurementError(fmt::format("vertex {} of a trace has no address", index));
        if (address.get_ref<const std::string&>() != "***") {
            vertex.address = IpAddress::parse(address.get<std::string>());
            if (!vertex.address)
                throw MeasurementError(
                    fmt::format("vertex {} of a trace has an address that is neither an IP "
                                "address nor ***",
                                index));
        }
        for (const auto& rtt : array_field(entry, index, "rtt")) {
            if (!rtt.is_number() || !std::isfinite(rtt.get<double>()) || rtt.get<double>() < 0)
                throw MeasurementError(
                    fmt::format("vertex {} of a trace has an RTT that is not a number of "
                                "milliseconds",
                                index));
            vertex.rtts_ms.push_back(rtt.get<double>());
        }
        if (entry.contains("sent"))  // ours only: the Augsburg client does not count attempts
            vertex.sent =
                static_cast<std::uint64_t>(integer_field(entry["sent"], index, "sent", 0, std::int64_t{1} << 53));
        for (const auto& flow : array_field(entry, index, "flows"))
            vertex.flows.push_back(static_cast<std::uint16_t>(integer_field(flow, index, "flow", 0, 65535)));
        if (entry.contains("mpls")) {
            const auto& stacks = entry["mpls"];
            if (!stacks.is_array() || stacks.size() > 64)
                throw MeasurementError(
                    fmt::format("vertex {} of a trace has mpls that is not a list of label stacks", index));
            for (const auto& stack : stacks) {
                if (!stack.is_array() || stack.empty() || stack.size() > 16)
                    throw MeasurementError(
                        fmt::format("vertex {} of a trace has an MPLS label stack that is not a list of 1 to 16 "
                                    "entries",
                                    index));
                MplsStack entries;
                for (const auto& e : stack) {
                    if (!e.is_object() || !e.value("s", nlohmann::json()).is_boolean())
                        throw MeasurementError(
                            fmt::format("vertex {} of a trace has an MPLS entry without label, tc, s and ttl", index));
                    entries.push_back(
                        {static_cast<std::uint32_t>(
                             integer_field(e.value("label", nlohmann::json()), index, "label", 0, 0xFFFFF)),
                         static_cast<std::uint8_t>(integer_field(e.value("tc", nlohmann::json()), index, "tc", 0, 7)),
                         e["s"].get<bool>(),
                         static_cast<std::uint8_t>(
                             integer_field(e.value("ttl", nlohmann::json()), index, "ttl", 0, 255))});
                }
                vertex.mpls.push_back(std::move(entries));
            }
        }
        if (entry.contains("path_changes")) {
            const auto& changes = entry["path_changes"];
            if (!changes.is_array() || changes.size() > 64)
                throw MeasurementError(
                    fmt::format("vertex {} of a trace has path_changes that is not a list of changes", index));
            for (const auto& c : changes) {
                const auto kind = c.is_object() && c.value("field", nlohmann::json()).is_string()
                                      ? path_change_kind_from_name(c["field"].get<std::string>())
                                      : std::nullopt;
                const auto text = [&](const char* key) {
                    const auto& value = c.value(key, nlohmann::json());
                    if (!value.is_string() || value.get<std::string>().size() > 64)
                        throw MeasurementError(fmt::format(
                            "vertex {} of a trace has a path change whose {} is not a short string", index, key));
                    return value.get<std::string>();
                };
                if (!kind)
                    throw MeasurementError(
                        fmt::format("vertex {} of a trace has a path change of no known field", index));
                vertex.changes.push_back({*kind, text("from"), text("to")});
            }
        }
        if (entry.contains("per_packet")) {
            if (entry["per_packet"] != true)
                throw MeasurementError(fmt::format("vertex {} of a trace has per_packet that is not true", index));
            vertex.per_packet = true;
        }
        if (entry.contains("other_destination_next_hops"))
            for (const auto& hop : array_field(entry, index, "other_destination_next_hops")) {
                const auto address = hop.is_string() ? IpAddress::parse(hop.get<std::string>()) : std::nullopt;
                if (!address)
                    throw MeasurementError(fmt::format(
                        "vertex {} of a trace has an other_destination_next_hops entry that is not an address", index));
                vertex.other_destination_next_hops.push_back(*address);
            }
        std::set<int> uncertain;
        if (entry.contains("uncertain_successors"))
            for (const auto& successor : array_field(entry, index, "uncertain_successors"))
                uncertain.insert(static_cast<int>(integer_field(successor, index, "uncertain successor", 0, last_id)));
        for (const auto& successor : array_field(entry, index, "successors")) {
            const int to = static_cast<int>(integer_field(successor, index, "successor", 0, last_id));
            graph.edges.push_back({vertex.id, to, false, false, uncertain.erase(to) > 0});
        }
        if (!uncertain.empty())
            throw MeasurementError(fmt::format(
                "vertex {} of a trace has an uncertain successor that is not one of its successors", index));
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
                                const std::map<IpAddress, std::string>& hostnames,
                                const std::map<IpAddress, std::vector<std::uint32_t>>& origin_as) {
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
        m["server"] = context.server.value_or(context.target).to_string();
    m["target"] = p.target;
    m["protocol"] = protocol_name(p.protocol);
    m["min_ttl"] = p.first_ttl;
    m["max_ttl"] = p.max_ttl;
    if (p.multipath) {
        m["multipath"] = {{"confidence", p.confidence},
                          {"retry", p.retry},
                          {"min_burst", p.min_burst},
                          {"max_burst", p.max_burst},
                          {"single_vertex_probing", false},
                          {"max_probes", p.max_probes},
                          {"confidence_scope", p.trace_bound ? "trace" : "branching_point"}};
        if (p.destination_port != 0)
            m["multipath"]["destination_port"] = p.destination_port;
        if (p.min_share > 0)
            m["multipath"]["min_share"] = p.min_share;
        if (p.per_destination > 0)
            m["multipath"]["per_destination"] = p.per_destination;
        if (p.rounds > 0)
            m["multipath"]["rounds"] = p.rounds;
        for (const auto& d : directions)
            if (d.vertices) {
                if (!m.contains("statistics"))
                    m["statistics"] = nlohmann::json::object();
                m["statistics"][std::string(trace_direction_name(d.direction))] =
                    vertex_statistics_json(d.direction, d.vertices->vertices());
            }
    } else {
        m["singlepath"] = {{"flow", p.flow}, {"probes", p.probes_per_hop}};
        if (p.rounds > 0)
            m["singlepath"]["rounds"] = p.rounds;
        m["statistics"] = nlohmann::json::object();
        for (const auto& d : directions) {
            const auto hops = d.statistics ? d.statistics->hops() : hop_statistics(d.record->hops);
            m["statistics"][std::string(trace_direction_name(d.direction))] =
                direction_statistics_json(d.direction, hops);
        }
    }
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
            m["outcome"][name] = trace_end_name(summary->end);
            m["probes"][name] = {{"sent", summary->probes_sent}, {"answered", summary->probes_answered}};
        }
    }
    if (!origin_as.empty()) {
        m["asn"] = nlohmann::json::object();
        for (const auto& [address, numbers] : origin_as)
            m["asn"][address.to_string()] = numbers;
    }
    m["hostnames"] = nlohmann::json::object();
    for (const auto& [address, name] : hostnames)
        m["hostnames"][address.to_string()] = nlohmann::json::array({name});
    return m;
}

}  // namespace rtt
