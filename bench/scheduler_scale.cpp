// SPDX-License-Identifier: MIT
// Many traces held at once in one loop (client::Scheduler) on the simulated network: TRACES
// forward UDP multipath traces, each to its own server behind a meshed diamond (width 4, length 2),
// all started together under a shared budget of PPS probes/s. Reports the simulated time against
// probes / PPS (what the budget allows), the CPU time and memory the loop needs per trace and per
// probe, and how many traces found the whole diamond (scored against the true graph).
// Usage: scheduler-scale [TRACES] [PPS]
#include <fmt/format.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "simulated_trace.h"
#include "topology_catalogue.h"
#include "trace_score.h"

using namespace rtt;
using namespace rtt::sim;

namespace {

long max_rss_kib() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

double cpu_seconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const auto seconds = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// The diamond's truth with `server` in place of the first server.
TrueGraph truth_toward(const TrueGraph& truth, const IpAddress& server) {
    TrueGraph moved = truth;
    for (auto& [ttl, vertices] : moved.vertices)
        if (vertices.erase(truth.destination))
            vertices.insert(server);
    moved.edges.clear();
    for (auto [from, to] : truth.edges)
        moved.edges.insert({from, to == truth.destination ? server : to});
    moved.destination = server;
    return moved;
}

}  // namespace

int main(int argc, char** argv) {
    const int traces = argc > 1 ? std::atoi(argv[1]) : 1000;
    const double pps = argc > 2 ? std::atof(argv[2]) : 10000;
    if (traces < 1 || pps <= 0) {
        fmt::print(stderr, "usage: scheduler-scale [TRACES >= 1] [PPS > 0]\n");
        return 2;
    }
    GeneratedTopology generated = make_diamond({4, 2, true, {}, 2, 5'000'000});
    const std::vector<IpAddress> servers = add_servers(generated, traces);
    std::vector<SimulatedTraceSpec> specs(static_cast<std::size_t>(traces));
    for (std::size_t i = 0; i < specs.size(); ++i) {
        specs[i].target = servers[i];
        specs[i].prober.first_id = static_cast<std::uint16_t>(1 + i % 60000);
        specs[i].forward_identifier = static_cast<std::uint16_t>(1000 + i % 60000);
        specs[i].multipath_settings.first_flow = static_cast<std::uint16_t>(10000 + (i * 97) % 50000);
    }
    SimulatedNetwork network(generated.topology, 1);
    const long rss_before = max_rss_kib();
    const double cpu_before = cpu_seconds();
    const auto wall_start = std::chrono::steady_clock::now();
    const std::vector<SimulatedTrace> results = simulate_traces(network, specs, pps);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    const double cpu = cpu_seconds() - cpu_before;
    const long rss_after = max_rss_kib();

    std::uint64_t probes = 0;
    int complete = 0, reached = 0;
    for (std::size_t i = 0; i < results.size(); ++i) {
        const auto& forward = *results[i].forward;
        probes += forward.probes_sent;
        reached += forward.record.summary && forward.record.summary->end == TraceEnd::reached ? 1 : 0;
        if (forward.record.graph &&
            score_trace(*forward.record.graph, truth_toward(generated.truth, servers[i])).complete())
            ++complete;
    }
    const double simulated = static_cast<double>(results.front().simulated_ns) / 1e9;
    const double floor = static_cast<double>(probes) / pps;
    fmt::print("{} traces at once, --pps {:g}: {} probes, {:.1f} per trace\n", traces, pps, probes,
               static_cast<double>(probes) / traces);
    fmt::print("  simulated time {:.2f} s = {:.3f} x probes/pps ({:.2f} s)\n", simulated, simulated / floor, floor);
    fmt::print("  reached {} of {}, whole diamond found {} of {}\n", reached, traces, complete, traces);
    fmt::print("  CPU {:.2f} s ({:.1f} us per probe), wall {:.2f} s\n", cpu, cpu * 1e6 / static_cast<double>(probes),
               wall);
    fmt::print("  memory: peak RSS {} KiB before, {} KiB after: {:.1f} KiB per trace\n", rss_before, rss_after,
               static_cast<double>(rss_after - rss_before) / traces);
    return 0;
}
