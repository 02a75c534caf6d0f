// SPDX-License-Identifier: MIT
// A trace run on the simulated network exactly as the client runs one on a real network: the
// same codecs, prober and engines, given the network's wires and simulated clock instead of
// raw sockets and the system clocks. Used by the sim tests and the failure-control bench.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "direction_wiring.h"
#include "io/event_loop.h"
#include "measurement/hop_statistics.h"
#include "measurement/trace_record.h"
#include "measurement/vertex_statistics.h"
#include "simulated_network.h"

namespace rtt::sim {

// A stop asked for while a simulated trace runs, as Ctrl-C (SIGINT) or SIGTERM would: `at_ns`
// after the start, in simulated time.
struct SimulatedStop {
    std::int64_t at_ns = 0;
    int signal = 2;  // SIGINT
};

// The trace's settings as the client derives them from its options (direction_wiring.h), plus
// where it runs in the simulated network.
struct SimulatedTraceSpec : client::TraceSettings {
    std::string client = "client";
    IpAddress target;
    // Simulated time after which the run counts as hung: its tasks are interrupted, as the
    // client's --deadline does.
    std::int64_t limit_ns = 3600LL * 1'000'000'000;
    std::optional<SimulatedStop> stop;
    std::uint16_t forward_identifier = 4242;  // tells this trace's forward probes from others'
};

struct SimulatedDirection {
    TraceRecord record;
    std::uint64_t probes_sent = 0;
    std::uint64_t probes_answered = 0;
};

struct SimulatedTrace {
    std::optional<SimulatedDirection> forward;
    std::optional<SimulatedDirection> reverse;
    bool hung = false;              // the limit passed before every direction finished
    int stopped_by = 0;             // the signal of SimulatedTraceSpec::stop, once it ended the run
    std::int64_t simulated_ns = 0;  // how long the trace took in simulated time
};

// Runs the trace in the client's own loop (client::Scheduler) in simulated time, until every
// direction has finished, the spec's stop comes (its signal ends the run as on a terminal), or
// limit_ns passed since the start (then the unfinished ones are interrupted as by --deadline
// and `hung` is true).
struct SimulatedRunEnd {
    bool hung = false;
    int stopped_by = 0;
    std::int64_t simulated_ns = 0;
};
SimulatedTrace simulate_trace(SimulatedNetwork& network, const SimulatedTraceSpec& spec);

// -c N and --live as the client runs them (client::run_rounds): rounds of the trace (multipath:
// discovery, then rounds over every vertex), each starting `interval_ns` after the one before, until `count` are done,
// the spec's stop comes or its limit_ns passes (as --deadline).
struct SimulatedRoundsDirection {
    TraceRecord record;
    DirectionStatistics statistics;  // single path
    VertexStatistics vertices;       // multipath
};
struct SimulatedRounds {
    std::optional<SimulatedRoundsDirection> forward;
    std::optional<SimulatedRoundsDirection> reverse;
    int rounds_done = 0;
    bool interrupted = false;  // by the stop or the deadline
    int stopped_by = 0;
    std::int64_t simulated_ns = 0;
};
SimulatedRounds simulate_rounds(SimulatedNetwork& network, const SimulatedTraceSpec& spec, int count,
                                std::int64_t interval_ns);

// Many traces in one loop (one Scheduler), sharing a budget of `probes_per_s` (0: none), as
// the prober service and campaigns run them: at most `max_running` at once (0: all), the next
// starting when one ends; `peak_running`, if given, gets the most that ran at once. The first
// spec's limit_ns and stop hold for the run. Each trace's simulated_ns is the whole run's.
std::vector<SimulatedTrace> simulate_traces(SimulatedNetwork& network, std::span<const SimulatedTraceSpec> specs,
                                            double probes_per_s = 0, std::size_t max_running = 0,
                                            std::size_t* peak_running = nullptr);

}  // namespace rtt::sim
