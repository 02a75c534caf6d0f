// SPDX-License-Identifier: MIT
// One trace's settings, derived once from the options, and the wiring of each of its directions
// (codec, prober, engine and, for the reverse direction, the server check before it). The client
// and the simulator build directions through these same functions; only the wire and the clock
// they hand in differ (raw sockets and the system clocks, or the simulated network).
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "engine/multipath_engine.h"
#include "engine/path_mtu_engine.h"
#include "engine/server_check.h"
#include "engine/singlepath_engine.h"
#include "engine/vertex_round_engine.h"
#include "io/prober.h"
#include "measurement/trace_direction.h"
#include "per_destination_traces.h"
#include "probe/forward_codec.h"

namespace rtt::client {

struct TraceSettings {
    bool forward = true;
    bool reverse = false;
    Protocol protocol = Protocol::udp;
    bool multipath = true;
    ProberSettings prober;
    SinglePathSettings singlepath;
    MultipathSettings multipath_settings;
    std::optional<std::uint16_t> destination_port;  // forward UDP/TCP multipath: fixed, flows in the source port
    ProbeShape shape;                               // forward: --tos, --payload, --size
    bool path_mtu = false;                          // forward: --mtu instead of a single-path trace
    PathMtuSettings path_mtu_settings;
    // Forward multipath (--per-destination): Paris traces to this many other addresses of the
    // target's prefix beside the discovery (per_destination_traces.h); 0: none.
    std::size_t per_destination = 0;
};

struct DirectionWiring {
    TraceDirection direction = TraceDirection::forward;
    IpAddress root;  // where its paths start: this host forward, the server reverse
    std::unique_ptr<Prober> prober;
    std::unique_ptr<ProbingTask> engine;
    std::unique_ptr<ServerCheck> check;  // reverse only, before its first round
    // Forward multipath with --per-destination: traces to other addresses beside the discovery.
    std::unique_ptr<PerDestinationTraces> per_destination;

    ProbingTask& task() { return check ? static_cast<ProbingTask&>(*check) : *engine; }
    // The tasks to run for the current engine: task() and, beside a discovery, its traces to
    // other addresses.
    std::vector<ProbingTask*> tasks();
    // Probes sent for this direction, and those answered: its prober's and, with
    // --per-destination, those of its traces to other addresses.
    std::uint64_t probes_sent() const;
    std::uint64_t probes_answered() const;
    // A fresh engine for the next round (the only one, for an ordinary trace), reporting to
    // `observer`; with `check_server` a reverse direction asks the server first.
    void new_engine(const TraceSettings& settings, TraceObserver& observer, bool check_server);
    // A multipath report's round after discovery: one probe per vertex (vertex_round_engine.h).
    void new_vertex_round(std::vector<VertexProbe> probes, TraceObserver& observer);

private:
    bool discovering_beside_ = false;  // the engine is a discovery with per_destination beside it
};

// The codec, prober and engine-less wiring of `direction` between this host (`source`) and
// `target`; `forward_identifier` tells this process's forward probes from others' (the ICMP
// identifier). `wire_for` makes the packet wire for the codec (raw sockets, or the simulated
// network's); `clock` keeps the prober's time.
using WireMaker = std::function<std::unique_ptr<PacketWire>(const ProbeCodec&)>;
DirectionWiring wire_direction(TraceDirection direction, const TraceSettings& settings, const IpAddress& source,
                               const IpAddress& target, std::uint16_t forward_identifier, const WireMaker& wire_for,
                               const Clock& clock = system_clock());

}  // namespace rtt::client
