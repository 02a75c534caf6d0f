// SPDX-License-Identifier: MIT
// Issue 31's silent hop under rate limits, in simulated time: the lab diamond (client – r1 –
// {r2a, r2b} – r3 – server) with Linux's default ICMP rate limits on every node (six at once,
// then one a second per destination) and r2a silent, traced forward with UDP multipath over
// many seeds (a new flow→path mapping each). Reports per seed-set: how often the graph is the
// true one (every vertex, `***` for r2a, no false link), the simulated time against the floor
// those limits impose, and the probes. The floor: the stopping points on the true topology ask
// r1 for n_3 flows at TTL 2 (two successors: r2b and the black hole) and each of r2a and r2b for
// n_2 of its own flows at TTL 3, r3's two addresses for n_2 each at TTL 4; a router answers six
// at once and then one a second, so the router that must answer most beyond six sets the floor
// (its answers are counted by drawing the flows' paths as the hash does, an oracle that knows
// the shares but not the hash). With --answering r2a answers too: the same diamond, only limited.
// Usage: silent-hop-floor TOPOLOGY_DIR [SEEDS] [FIRST_SEED] [--answering]
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "engine/stopping_points.h"
#include "simulated_trace.h"

using namespace rtt;
using namespace rtt::sim;

namespace {

constexpr std::int64_t kSecond = 1'000'000'000;
constexpr double kConfidence = 0.05;
constexpr int kBurst = 6;

Topology limited_diamond(const std::string& dir, bool silent) {
    Topology topology = Topology::load(dir + "/diamond.topo");
    for (const auto& [name, node] : topology.nodes())
        topology.node(name).behaviour.rate_limit = RateLimit::linux_default();
    topology.node("r2a").behaviour.silent = silent;
    return topology;
}

// The true forward graph with r2a silent, as (from, to) address pairs ("***" for r2a).
bool graph_is_true(const MultipathGraph& graph, bool silent) {
    const std::string r2a = silent ? "***" : "198.18.2.2";
    const std::map<std::string, int> ttl_of{{"198.18.1.2", 1}, {r2a, 2},          {"198.18.3.2", 2},
                                            {"198.18.4.2", 3}, {"198.18.5.2", 3}, {"198.18.6.2", 4}};
    const std::set<std::pair<std::string, std::string>> links{
        {"198.18.1.2", r2a},          {"198.18.1.2", "198.18.3.2"}, {r2a, "198.18.4.2"},
        {"198.18.3.2", "198.18.5.2"}, {"198.18.4.2", "198.18.6.2"}, {"198.18.5.2", "198.18.6.2"}};
    const auto name = [&](int id) {
        const auto& v = graph.vertices[static_cast<std::size_t>(id)];
        return v.address ? v.address->to_string() : std::string("***");
    };
    std::set<std::string> vertices;
    for (std::size_t id = 1; id < graph.vertices.size(); ++id) {
        const auto found = ttl_of.find(name(static_cast<int>(id)));
        if (found == ttl_of.end() || found->second != graph.vertices[id].ttl) {
            if (std::getenv("SILENT_HOP_DETAIL"))
                fmt::print("  false vertex {} at ttl {}\n", name(static_cast<int>(id)), graph.vertices[id].ttl);
            return false;
        }
        vertices.insert(found->first);
    }
    std::set<std::pair<std::string, std::string>> seen;
    for (const auto& edge : graph.edges)
        if (edge.from != 0)
            seen.insert({name(edge.from), name(edge.to)});
    const bool ok = vertices.size() == ttl_of.size() && seen == links;
    if (!ok && std::getenv("SILENT_HOP_DETAIL")) {
        fmt::print("  vertices {}:", vertices.size());
        for (const auto& [from, to] : seen)
            if (!links.count({from, to}))
                fmt::print(" false {}→{}", from, to);
        for (const auto& [from, to] : links)
            if (!seen.count({from, to}))
                fmt::print(" missing {}→{}", from, to);
        fmt::print("\n");
    }
    return ok;
}

// The floor in seconds for one draw of the flows' paths (see the header comment).
double floor_seconds(std::mt19937_64& random) {
    const client::StoppingPoints stops(kConfidence);
    const int n2 = stops.flows_for(2), n3 = stops.flows_for(3);
    std::bernoulli_distribution via_r2a(0.5);
    // Flows at TTL 2 until r1 has n_3 and each branch has n_2 of its own.
    int flows = 0, r2a = 0, r2b = 0;
    while (flows < n3 || r2a < n2 || r2b < n2) {
        ++flows;
        (via_r2a(random) ? r2a : r2b)++;
    }
    // r3 answers the flows probed at TTL 3 (n_2 per branch: it leads on from both), the server
    // n_2 per address of r3 at TTL 4; r2b answers its share of TTL 2.
    const int r3 = 2 * n2, server = 2 * n2;
    const int busiest = std::max({r2b, r3, server});
    return std::max(0, busiest - kBurst);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        fmt::print(stderr, "usage: silent-hop-floor TOPOLOGY_DIR [SEEDS] [FIRST_SEED] [--answering]\n");
        return 2;
    }
    const std::string dir = argv[1];
    const long seeds = argc > 2 ? std::atol(argv[2]) : 100;
    const std::uint64_t first = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 1;
    const bool silent = !(argc > 4 && std::string(argv[4]) == "--answering");
    std::mt19937_64 draws(first);
    long correct = 0, hung = 0;
    double seconds = 0, floor = 0, probes = 0, worst = 0;
    std::vector<double> times;
    for (std::uint64_t seed = first; seed < first + static_cast<std::uint64_t>(seeds); ++seed) {
        SimulatedNetwork network(limited_diamond(dir, silent), seed);
        SimulatedTraceSpec spec;
        spec.target = *IpAddress::parse("198.18.6.2");
        spec.prober.first_id = static_cast<std::uint16_t>(1 + seed * 7919 % 60000);
        spec.multipath_settings.first_flow = static_cast<std::uint16_t>(10000 + seed * 104729 % 55000);
        spec.limit_ns = 600 * kSecond;
        const auto trace = simulate_trace(network, spec);
        const double s = static_cast<double>(trace.simulated_ns) / 1e9;
        if (std::getenv("SILENT_HOP_DETAIL")) {
            std::map<int, std::uint64_t> sent;
            for (const auto& v : trace.forward->record.graph->vertices)
                sent[v.ttl] += v.sent;
            fmt::print("seed {}: {:.1f} s, {} probes;", seed, s, trace.forward->probes_sent);
            for (const auto& v : trace.forward->record.graph->vertices)
                if (v.ttl == 2)
                    fmt::print(" [{} {} flows {} sent]", v.address ? v.address->to_string() : "***", v.flows.size(),
                               v.sent);
            for (const auto& [ttl, count] : sent)
                fmt::print(" ttl {}: {}", ttl, count);
            fmt::print("\n");
        }
        hung += trace.hung ? 1 : 0;
        correct += graph_is_true(*trace.forward->record.graph, silent) ? 1 : 0;
        seconds += s;
        worst = std::max(worst, s);
        times.push_back(s);
        probes += static_cast<double>(trace.forward->probes_sent);
        floor += floor_seconds(draws);
    }
    std::sort(times.begin(), times.end());
    const double n = static_cast<double>(seeds);
    fmt::print(
        "{}{} seeds: {} graphs true ({:.1f}%), {} hung; time mean {:.1f} s, median {:.1f} s, worst {:.1f} s; floor "
        "mean {:.1f} s; mean time / mean floor {:.2f}×; {:.1f} probes per trace\n",
        silent ? "r2a silent, " : "r2a answering, ", seeds, correct, 100.0 * static_cast<double>(correct) / n, hung,
        seconds / n, times[times.size() / 2], worst, floor / n, seconds / floor, probes / n);
}
