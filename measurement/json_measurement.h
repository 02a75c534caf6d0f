// SPDX-License-Identifier: MIT
// The measurement as JSON in the Augsburg client's layout, so tools written for it read ours:
// {target, protocol, min_ttl, max_ttl, singlepath|multipath: {…}, inter, timeout, abort,
//  traces: {forward|reverse: [{id, address, rtt[], flows[], successors[]}]}, hostnames}.
// Each trace is a vertex list starting at its root (our address forward, the target reverse),
// with "***" vertices for silent hops. Ours besides (docs/measurement.schema.json):
// schema_version, tool, engine, direction, start_time/end_time, source, destination, server,
// probes sent/answered and the outcome per direction, "ttl" per vertex, per-hop statistics
// (single path) or per-vertex statistics (multipath report), origin AS numbers (-A), and places ("locations",
// measurement_locations.h).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "measurement/answer.h"
#include "measurement/hop_statistics.h"
#include "measurement/multipath_graph.h"
#include "measurement/trace_direction.h"
#include "measurement/trace_record.h"
#include "measurement/vertex_statistics.h"

namespace rtt {

struct RecordedDirection {
    TraceDirection direction;
    IpAddress root;  // where the direction's probes start
    IpAddress end_of_path;
    const TraceRecord* record = nullptr;
    // Single path: the per-hop statistics (of every round); null: computed from `record`.
    const DirectionStatistics* statistics = nullptr;
    // Multipath report or live view: the per-vertex statistics of its rounds; null: none.
    const VertexStatistics* vertices = nullptr;
};

// When and between which addresses the measurement ran.
struct MeasurementContext {
    IpAddress source;  // this host's probing address
    IpAddress target;  // TARGET resolved (the server for reverse traces)
    std::chrono::system_clock::time_point start;
    std::chrono::system_clock::time_point end;
    // The reverse half's server when it is not the target (a campaign line naming one).
    std::optional<IpAddress> server = std::nullopt;
};

// How the measurement was asked for: what the stored document records beside the traces.
struct MeasurementParameters {
    bool multipath = false;
    bool forward = true;  // which directions were asked for (two-way: both)
    bool reverse = false;
    std::string target;  // as the user wrote it
    Protocol protocol = Protocol::udp;
    int first_ttl = 1;
    int max_ttl = 30;
    int flow = 0;  // single path
    int probes_per_hop = 1;
    int rounds = 0;            // report or live view: rounds over the same flow (single path) or every vertex
    double confidence = 0;     // multipath
    bool trace_bound = false;  // multipath: confidence for the whole trace, not per branching point
    double min_share = 0;      // multipath --min-share (0: the even-share stopping points alone)
    int per_destination = 0;   // multipath --per-destination: other addresses traced (0: none)
    int destination_port = 0;  // multipath UDP/TCP: fixed destination port, flows in the source port
    int retry = 0;
    int min_burst = 0;
    int max_burst = 0;
    long long max_probes = 0;
    double inter_s = 0;
    double timeout_s = 0;
    int abort_after = 0;
};

inline constexpr int kMeasurementSchemaVersion = 1;

nlohmann::json measurement_json(const MeasurementParameters& parameters, const MeasurementContext& context,
                                const std::vector<RecordedDirection>& directions,
                                const std::map<IpAddress, std::string>& hostnames,
                                const std::map<IpAddress, std::vector<std::uint32_t>>& origin_as = {});

// One direction's per-hop statistics as the measurement's "statistics" holds them:
// {rtt_measured_by, hops: [{ttl, addresses, sent, received, loss_percent, last_ms, ...}]}.
nlohmann::json direction_statistics_json(TraceDirection direction, const std::vector<HopStatistics>& hops);
// A multipath report's direction: {rtt_measured_by, vertices: [{ttl, address, flows, flow_share,
// sent, received, loss_percent, answered_elsewhere, last_ms, ...}]}.
nlohmann::json vertex_statistics_json(TraceDirection direction, const std::vector<VertexFigures>& vertices);

// One direction's graph as the measurement stores it (vertex list with successors, per-packet
// vertices and uncertain links), and back; inferred/retried link marks are not part of the
// stored form. Reading back throws
// MeasurementError with one sentence when the list is not one the graph model can hold
// (ids not 0..n-1 each once, successors outside the list, values out of range).
nlohmann::json trace_json(const MultipathGraph& graph);
MultipathGraph graph_from_trace_json(const nlohmann::json& trace);

// UTC in RFC 3339 with milliseconds, e.g. 2026-11-23T15:50:00.123Z.
std::string rfc3339(std::chrono::system_clock::time_point when);

}  // namespace rtt
