// SPDX-License-Identifier: MIT
// `reverse-traceroute campaign` at scale on the simulated network, paced to real time (speed 1),
// so that its wall time is what a real network would take: TRACES two-way single path traces
// spread over a catalogue of Internet-like shapes (diamonds of several widths, lengths and
// uneven splits, links of 5 to 20 ms), each shape with its own servers behind it, under a budget
// of PPS probes/s, CONCURRENCY traces at once. The campaign code runs as the command runs it
// (client/campaign/campaign.h: the prober service, the driver thread, the JSON lines output).
// Reports per shape and in all: wall time against probes / PPS (what the budget allows), CPU time
// per probe, peak memory per concurrent trace, traces that reached their target both ways.
// With SHAPES, only the first SHAPES of the catalogue (1: every trace through the first shape, in
// one run, so that the end of a run, its slowest traces' last timeouts, is paid once).
// Usage: campaign-scale [TRACES] [PPS] [CONCURRENCY] [SHAPES]
#include <fmt/format.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "campaign/campaign.h"
#include "simulated_service_network.h"
#include "topology_catalogue.h"

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

struct Totals {
    std::size_t traces = 0;
    std::size_t reached = 0;
    std::uint64_t probes = 0;
    double wall = 0;
    double cpu = 0;
};

}  // namespace

namespace {

int run(int argc, char** argv) {
    const int traces = argc > 1 ? std::atoi(argv[1]) : 10000;
    const double pps = argc > 2 ? std::atof(argv[2]) : 10000;
    const int concurrency = argc > 3 ? std::atoi(argv[3]) : 1000;
    const int shape_count = argc > 4 ? std::atoi(argv[4]) : 5;
    if (traces < 5 || pps <= 0 || concurrency < 1 || shape_count < 1 || shape_count > 5) {
        fmt::print(stderr, "usage: campaign-scale [TRACES >= 5] [PPS > 0] [CONCURRENCY >= 1] [SHAPES 1-5]\n");
        return 2;
    }
    // The catalogue: shapes met on Internet paths (MDA surveys): small diamonds, a wide one, a
    // long meshed one, uneven splits; longer lead-ins and links of 5 to 20 ms.
    std::vector<DiamondShape> shapes = {
        {2, 1, false, {}, 3, 5'000'000},     {4, 2, true, {}, 4, 10'000'000},  {8, 1, false, {}, 2, 20'000'000},
        {2, 3, false, {3, 1}, 5, 8'000'000}, {16, 2, true, {}, 3, 12'000'000},
    };
    shapes.resize(static_cast<std::size_t>(shape_count));
    const auto folder = std::filesystem::temp_directory_path() / fmt::format("campaign-scale-{}", ::getpid());
    std::filesystem::create_directories(folder);
    fmt::print(
        "{} two-way UDP single path traces over {} shapes, --pps {:g}, --concurrency {}, simulated network "
        "paced to real time:\n",
        traces, shapes.size(), pps, concurrency);
    Totals all;
    const long rss_start = max_rss_kib();
    long rss_peak_growth = 0;
    for (std::size_t s = 0; s < shapes.size(); ++s) {
        const int count =
            traces / static_cast<int>(shapes.size()) + (s < static_cast<std::size_t>(traces) % shapes.size());
        GeneratedTopology generated = make_diamond(shapes[s]);
        generated.topology.node("server").reverse_server = true;
        const std::vector<IpAddress> servers = add_servers(generated, count);
        std::vector<client::CampaignTarget> targets;
        for (std::size_t i = 0; i < servers.size(); ++i)
            targets.push_back({static_cast<int>(i + 1), servers[i].to_string(), "two-way", "udp", "singlepath", ""});
        SimulatedServiceSettings simulation;
        simulation.speed = 1;
        simulation.seed = s + 1;
        auto network = simulated_service_network(std::move(generated.topology), simulation);
        client::CampaignSettings settings;
        settings.probes_per_s = pps;
        settings.concurrency = static_cast<std::size_t>(concurrency);
        settings.per_prefix = settings.concurrency;  // nobody to be polite to in a simulation
        settings.output = (folder / fmt::format("shape-{}.jsonl", s)).string();
        settings.trace_options = {{"no-resolve", true}};
        const long rss_before = max_rss_kib();
        const double cpu_before = cpu_seconds();
        const auto start = std::chrono::steady_clock::now();
        const client::CampaignResult result = client::run_campaign(*network, targets, settings);
        const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const double cpu = cpu_seconds() - cpu_before;
        rss_peak_growth = std::max(rss_peak_growth, max_rss_kib() - rss_start);
        (void)rss_before;
        std::size_t reached = 0;
        std::ifstream out(settings.output);
        for (std::string line; std::getline(out, line);) {
            const auto m = nlohmann::json::parse(line);
            reached += m["outcome"] == nlohmann::json{{"forward", "reached"}, {"reverse", "reached"}} ? 1 : 0;
        }
        const double floor = static_cast<double>(result.probes) / pps;
        fmt::print(
            "  {:<14} {:>5} traces, {:>7} probes ({:.1f} per trace): wall {:.2f} s = {:.3f} x probes/pps "
            "({:.2f} s), loop clock {:.2f} s; CPU {:.1f} us per probe; reached both ways {} of {}{}\n",
            shape_name(shapes[s]), count, result.probes,
            static_cast<double>(result.probes) / static_cast<double>(count), wall, wall / floor, floor,
            result.loop_seconds, cpu * 1e6 / static_cast<double>(result.probes), reached, count,
            result.failed ? fmt::format(", {} failed", result.failed) : std::string());
        all.traces += static_cast<std::size_t>(count);
        all.reached += reached;
        all.probes += result.probes;
        all.wall += wall;
        all.cpu += cpu;
    }
    const double floor = static_cast<double>(all.probes) / pps;
    fmt::print("  all: {} traces, {} probes: wall {:.1f} s = {:.3f} x probes/pps ({:.1f} s), {:.0f} traces/min\n",
               all.traces, all.probes, all.wall, all.wall / floor, floor,
               static_cast<double>(all.traces) / all.wall * 60);
    fmt::print("  CPU {:.1f} s in all, {:.1f} us per probe (prober loop, simulator, driver and JSON together)\n",
               all.cpu, all.cpu * 1e6 / static_cast<double>(all.probes));
    fmt::print("  memory: peak RSS grew {} KiB over the start: {:.1f} KiB per concurrent trace\n", rss_peak_growth,
               static_cast<double>(rss_peak_growth) / concurrency);
    if (!std::getenv("CAMPAIGN_SCALE_KEEP"))
        std::filesystem::remove_all(folder);
    return all.reached == all.traces ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        fmt::print(stderr, "campaign-scale: {}\n", e.what());
        return 1;
    }
}
