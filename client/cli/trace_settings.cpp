// SPDX-License-Identifier: MIT
#include "cli/trace_settings.h"

#include "engine/stopping_points.h"
#include "probe/dns_probe.h"

namespace rtt::client {
namespace {

// --per-destination: as many other addresses as flows must pass a vertex before a second
// successor is ruled out at the trace's confidence (n_1 of the stopping points).
int other_addresses(const ClientOptions& options) {
    return options.per_destination
               ? StoppingPoints(options.confidence, StoppingRule::exact, options.min_share).flows_for(2)
               : 0;
}

}  // namespace

ProbeShape probe_shape(const ClientOptions& options) {
    ProbeShape shape;
    shape.traffic_class = static_cast<std::uint8_t>(options.tos);
    shape.payload = options.payload;
    shape.size = static_cast<std::size_t>(options.size);
    shape.path_mtu = options.path_mtu;
    return shape;
}

bool probes_carry_dns(const ClientOptions& options) {
    if (options.protocol != Protocol::udp || options.payload)
        return false;
    return options.engine == EngineKind::multipath ? options.destination_port == kDnsPort : options.flow == kDnsPort;
}

std::optional<std::string> forward_probe_problem(const ClientOptions& options, Family family,
                                                 std::optional<int> route_mtu) {
    if (options.direction == Direction::reverse)
        return std::nullopt;
    return probe_size_problem(options.protocol, family, probe_shape(options), probes_carry_dns(options), route_mtu);
}

TraceSettings trace_settings(const ClientOptions& options, std::uint16_t first_flow) {
    TraceSettings s;
    s.forward = options.direction != Direction::reverse;
    s.reverse = options.direction != Direction::forward;
    s.protocol = options.protocol;
    s.multipath = options.engine == EngineKind::multipath;
    s.prober.timeout_ns = static_cast<std::int64_t>(options.timeout_s * 1e9);
    s.prober.inter_ns = static_cast<std::int64_t>(options.inter_s * 1e9);

    SinglePathSettings& single = s.singlepath;
    single.first_ttl = static_cast<std::uint8_t>(options.first_ttl);
    single.max_ttl = static_cast<std::uint8_t>(options.max_ttl);
    single.flow = static_cast<std::uint16_t>(options.flow);
    single.probes_per_hop = options.probes_per_hop;
    single.retries = options.retries;
    single.abort_after = options.abort_after;
    single.max_in_flight = static_cast<std::size_t>(options.max_in_flight);
    single.wait_here = options.wait_here;
    single.wait_near = options.wait_near;

    MultipathSettings& multi = s.multipath_settings;
    multi.first_ttl = static_cast<std::uint8_t>(options.first_ttl);
    multi.max_ttl = static_cast<std::uint8_t>(options.max_ttl);
    multi.confidence = options.confidence;
    multi.trace_bound = options.trace_bound;
    multi.min_share = options.min_share;
    multi.retries = options.retries;
    multi.abort_after = options.abort_after;
    multi.min_burst = static_cast<std::size_t>(options.min_burst);
    multi.max_burst = static_cast<std::size_t>(options.max_burst);
    multi.max_probes = static_cast<std::uint64_t>(options.max_probes);
    multi.first_flow = options.first_flow ? static_cast<std::uint16_t>(*options.first_flow) : first_flow;
    if (options.destination_port)
        s.destination_port = static_cast<std::uint16_t>(*options.destination_port);
    s.shape = probe_shape(options);
    s.per_destination = static_cast<std::size_t>(other_addresses(options));
    s.path_mtu = options.path_mtu;
    PathMtuSettings& mtu = s.path_mtu_settings;
    mtu.first_ttl = single.first_ttl;
    mtu.max_ttl = single.max_ttl;
    mtu.flow = single.flow;
    mtu.retries = single.retries;
    mtu.abort_after = single.abort_after;
    return s;
}

MeasurementParameters measurement_parameters(const ClientOptions& options) {
    MeasurementParameters p;
    p.multipath = options.engine == EngineKind::multipath;
    p.forward = options.direction != Direction::reverse;
    p.reverse = options.direction != Direction::forward;
    p.target = options.target;
    p.protocol = options.protocol;
    p.first_ttl = options.first_ttl;
    p.max_ttl = options.max_ttl;
    p.flow = options.flow;
    p.probes_per_hop = options.probes_per_hop;
    p.confidence = options.confidence;
    p.trace_bound = options.trace_bound;
    p.min_share = options.min_share;
    p.per_destination = other_addresses(options);
    p.destination_port = options.destination_port.value_or(0);
    p.retry = options.retries;
    p.min_burst = options.min_burst;
    p.max_burst = options.max_burst;
    p.max_probes = options.max_probes;
    p.inter_s = options.inter_s;
    p.timeout_s = options.timeout_s;
    p.abort_after = options.abort_after;
    return p;
}

}  // namespace rtt::client
