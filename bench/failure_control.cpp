// SPDX-License-Identifier: MIT
// Failure control of the multipath engine measured the way the MDA literature does it
// (fakeroute): many simulated traces over a catalogue of diamonds, each scored against the true
// topology. Reports per shape family: the measured probability of missing a successor at a
// branching point (with a 95% Wilson interval) against --confidence, the share of complete
// traces, probes against the minimum the stopping points require on the true topology, and
// (second part) wall time under 20-100 ms RTTs and Linux's ICMP rate limits against the floor
// those limits impose. Usage: failure-control [TRACES] [RATE_LIMITED_TRACES] [SEED]
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "engine/stopping_points.h"
#include "simulated_trace.h"
#include "topology_catalogue.h"
#include "trace_score.h"

using namespace rtt;
using namespace rtt::sim;

namespace {

constexpr double kConfidence = 0.05;
constexpr std::int64_t kMs = 1'000'000;

struct Tally {
    long traces = 0;
    long complete = 0;
    long branching_points = 0;
    long missed = 0;
    long traces_with_miss = 0;
    double probes = 0;
    double minimum = 0;           // Diamond-Miner's expected count
    double realized_minimum = 0;  // the mean count that gives every vertex its flows
    double seconds = 0;
    double floor_seconds = 0;
    long hung = 0;
};

// The 95% Wilson score interval of a proportion.
std::pair<double, double> wilson(long hits, long n) {
    if (n == 0)
        return {0, 1};
    const double z = 1.96, p = static_cast<double>(hits) / static_cast<double>(n), nn = static_cast<double>(n);
    const double centre = (p + z * z / (2 * nn)) / (1 + z * z / nn);
    const double half = z * std::sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn)) / (1 + z * z / nn);
    return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

// Flows needed at each TTL t of the true topology: every vertex v one hop before must see
// n_{k(v)+1} flows, k(v) its true successors. `realized`: the mean number of flows, drawn by
// the vertices' true shares, until every vertex has them (what node control needs, an oracle
// that knows the topology but not the hash); otherwise Diamond-Miner's expectation
// max_v n_{k(v)+1} / share(v).
std::map<int, double> flows_per_ttl(const GeneratedTopology& g, const client::StoppingPoints& stops, bool realized,
                                    std::mt19937_64& random) {
    std::map<IpAddress, int> successors;
    for (const auto& [from, to] : g.truth.edges)
        ++successors[from];
    std::map<int, double> per_ttl{{1, stops.flows_for(2)}};  // from the tracing host
    for (const auto& [ttl, vertices] : g.truth.vertices) {
        if (!g.truth.vertices.contains(ttl + 1))
            break;
        std::vector<double> shares;
        std::vector<int> needed;
        for (const auto& v : vertices) {
            shares.push_back(g.truth.reach.at(v));
            needed.push_back(stops.flows_for(successors[v] + 1));
        }
        double flows = 0;
        if (!realized) {
            for (std::size_t i = 0; i < shares.size(); ++i)
                flows = std::max(flows, needed[i] / shares[i]);
            flows = std::ceil(flows);
        } else {
            constexpr int kSamples = 200;
            std::discrete_distribution<std::size_t> pick(shares.begin(), shares.end());
            for (int sample = 0; sample < kSamples; ++sample) {
                std::vector<int> have(shares.size(), 0);
                std::size_t short_of = shares.size();
                long drawn = 0;
                while (short_of > 0) {
                    const std::size_t v = pick(random);
                    ++drawn;
                    if (++have[v] == needed[v])
                        --short_of;
                }
                flows += static_cast<double>(drawn) / kSamples;
            }
        }
        per_ttl[ttl + 1] = flows;
    }
    return per_ttl;
}

// Probes the stopping points require on the true topology: the flows of each TTL, where a hop
// of several vertices must also see the flows of the TTL after it (to know their links), as
// Diamond-Miner takes the larger of the two.
double minimum_probes(const GeneratedTopology& g, const client::StoppingPoints& stops, bool realized,
                      std::mt19937_64& random) {
    const auto per_ttl = flows_per_ttl(g, stops, realized, random);
    double total = 0;
    for (const auto& [ttl, flows] : per_ttl) {
        double here = flows;
        const auto vertices = g.truth.vertices.find(ttl);
        if (const auto next = per_ttl.find(ttl + 1);
            next != per_ttl.end() && vertices != g.truth.vertices.end() && vertices->second.size() > 1)
            here = std::max(here, next->second);
        total += here;
    }
    return total;
}

// The least time Linux's limits allow: each router answers 6 at once, then one a second, so the
// router that must answer most (its share of the flows its TTL needs) sets the floor; plus one
// round trip to the deepest hop.
double floor_seconds(const GeneratedTopology& g, const client::StoppingPoints& stops, double rtt_s,
                     std::mt19937_64& random) {
    const auto per_ttl = flows_per_ttl(g, stops, true, random);
    double worst = 0;
    for (const auto& [ttl, vertices] : g.truth.vertices) {
        const auto flows = per_ttl.find(ttl);
        if (flows == per_ttl.end())
            continue;
        for (const auto& v : vertices)
            worst = std::max(worst, std::ceil(flows->second * g.truth.reach.at(v)) - 6);
    }
    return std::max(0.0, worst) + rtt_s;
}

std::vector<DiamondShape> catalogue() {
    std::vector<DiamondShape> shapes;
    for (const int width : {2, 3, 4, 8, 16, 32, 64})
        for (const int length : {1, 2, 5, 10})
            for (const bool meshed : {false, true}) {
                if (meshed && width == 2 && length == 1)
                    continue;  // the same as unmeshed
                shapes.push_back({width, length, meshed, {}, 2, kMs});
            }
    // Uneven shares at the divergence point (unequal-cost balancing).
    shapes.push_back({2, 2, false, {3, 1}, 2, kMs});
    shapes.push_back({3, 2, false, {4, 2, 1}, 2, kMs});
    shapes.push_back({4, 1, false, {1, 1, 1, 5}, 2, kMs});
    shapes.push_back({8, 2, false, {1, 2, 3, 4, 5, 6, 7, 8}, 2, kMs});
    shapes.push_back({2, 2, false, {4, 1}, 2, kMs});
    shapes.push_back({2, 2, false, {9, 1}, 2, kMs});
    return shapes;
}

std::string family_of(const DiamondShape& shape) {
    if (!shape.weights.empty())
        return "uneven shares";
    return fmt::format("{} w{}", shape.meshed ? "meshed" : "unmeshed", shape.width);
}

Tally run(const DiamondShape& shape, long traces, std::uint64_t seed, bool rate_limited, bool trace_bound,
          double min_share = 0) {
    Tally tally;
    std::mt19937_64 random(seed);
    const client::StoppingPoints stops(kConfidence);
    for (long i = 0; i < traces; ++i) {
        DiamondShape s = shape;
        double rtt_s = 0;
        if (rate_limited) {
            // 20-100 ms to the destination, spread evenly over the path's links.
            const double rtt_ms = std::uniform_real_distribution<double>(20, 100)(random);
            const int links = s.lead_in + s.length + 2;
            s.link_delay_ns = static_cast<std::int64_t>(rtt_ms / 2 / links * 1e6);
            rtt_s = rtt_ms / 1000;
        }
        auto g = make_diamond(s);
        if (rate_limited)
            for (const auto& [name, node] : g.topology.nodes())
                g.topology.node(name).behaviour.rate_limit = RateLimit::linux_default();
        SimulatedNetwork network(g.topology, random());
        SimulatedTraceSpec spec;
        spec.target = g.truth.destination;
        spec.prober.first_id = static_cast<std::uint16_t>(1 + random() % 60000);
        spec.multipath_settings.first_flow = static_cast<std::uint16_t>(10000 + random() % 55000);
        spec.multipath_settings.confidence = kConfidence;
        spec.multipath_settings.trace_bound = trace_bound;
        spec.multipath_settings.min_share = min_share;
        spec.multipath_settings.max_probes = 100000;
        spec.limit_ns = 4 * 3600LL * 1'000'000'000;
        const auto trace = simulate_trace(network, spec);
        const auto score = score_trace(*trace.forward->record.graph, g.truth);
        ++tally.traces;
        tally.hung += trace.hung ? 1 : 0;
        tally.complete += score.complete() ? 1 : 0;
        tally.branching_points += score.branching_points;
        tally.missed += score.missed_branching;
        tally.traces_with_miss += score.missed_branching > 0 ? 1 : 0;
        tally.probes += static_cast<double>(trace.forward->probes_sent);
        tally.minimum += minimum_probes(g, stops, false, random);
        tally.realized_minimum += minimum_probes(g, stops, true, random);
        tally.seconds += static_cast<double>(trace.simulated_ns) / 1e9;
        if (rate_limited)
            tally.floor_seconds += floor_seconds(g, stops, rtt_s, random);
    }
    return tally;
}

void add(Tally& into, const Tally& t) {
    into.traces += t.traces;
    into.complete += t.complete;
    into.branching_points += t.branching_points;
    into.missed += t.missed;
    into.traces_with_miss += t.traces_with_miss;
    into.probes += t.probes;
    into.minimum += t.minimum;
    into.realized_minimum += t.realized_minimum;
    into.seconds += t.seconds;
    into.floor_seconds += t.floor_seconds;
    into.hung += t.hung;
}

void print_rows(const std::map<std::string, Tally>& rows, bool timing) {
    if (timing) {
        fmt::print(
            "| shapes | traces | complete | wall time (mean) | floor (mean) | ratio |\n|---|---|---|---|---|---|\n");
        for (const auto& [name, t] : rows)
            fmt::print("| {} | {} | {:.1f}% | {:.1f} s | {:.1f} s | {:.2f}× |\n", name, t.traces,
                       100.0 * t.complete / t.traces, t.seconds / t.traces, t.floor_seconds / t.traces,
                       t.seconds / t.floor_seconds);
        return;
    }
    fmt::print(
        "| shapes | traces | branching points | missed | P(miss) [95% CI] | complete | probes / minimum | probes / "
        "realized minimum |\n|---|---|---|---|---|---|---|---|\n");
    for (const auto& [name, t] : rows) {
        const auto [low, high] = wilson(t.missed, t.branching_points);
        fmt::print("| {} | {} | {} | {} | {:.4f} [{:.4f}, {:.4f}] | {:.1f}% | {:.2f}× | {:.2f}× |\n", name, t.traces,
                   t.branching_points, t.missed, static_cast<double>(t.missed) / std::max(1L, t.branching_points), low,
                   high, 100.0 * t.complete / t.traces, t.probes / t.minimum, t.probes / t.realized_minimum);
    }
}

}  // namespace

// --min-share study: every uneven shape and a few even ones, each at the even-share stopping points
// and at each smallest share given; P(miss) per branching point and probes per Diamond-Miner's
// (even-share) minimum, to choose the default from.
int min_share_study(long traces, std::uint64_t seed, const std::vector<double>& min_shares) {
    std::vector<DiamondShape> shapes;
    for (const auto& shape : catalogue())
        if (!shape.weights.empty())
            shapes.push_back(shape);
    shapes.push_back({2, 2, false, {}, 2, kMs});
    shapes.push_back({4, 2, false, {}, 2, kMs});
    shapes.push_back({4, 2, true, {}, 2, kMs});
    shapes.push_back({16, 2, true, {}, 2, kMs});
    fmt::print("## Uneven shares: {} traces per cell, --confidence {} per branching point\n\n", traces, kConfidence);
    fmt::print("| shape |");
    for (const double s : min_shares)
        fmt::print(" {} |", s > 0 ? fmt::format("--min-share {:g}", s) : std::string("even shares (default)"));
    fmt::print("\n|---|");
    for (std::size_t i = 0; i < min_shares.size(); ++i)
        fmt::print("---|");
    fmt::print("\n");
    for (std::size_t i = 0; i < shapes.size(); ++i) {
        fmt::print("| {} |", shape_name(shapes[i]));
        for (const double s : min_shares) {
            const Tally t = run(shapes[i], traces, seed * 4000 + i, false, false, s);
            const auto [low, high] = wilson(t.missed, t.branching_points);
            fmt::print(" {:.3f} [{:.3f}, {:.3f}], {:.2f}× |", static_cast<double>(t.missed) / t.branching_points, low,
                       high, t.probes / t.minimum);
        }
        fmt::print("\n");
    }
    fmt::print("\nEach cell: P(miss) per branching point [95% CI], probes / Diamond-Miner's even-share minimum.\n");
    return 0;
}

int main(int argc, char** argv) {
    if (argc > 1 && std::string(argv[1]) == "--min-share-study") {
        std::vector<double> shares{0};
        for (int i = 4; i < argc; ++i)
            shares.push_back(std::atof(argv[i]));
        return min_share_study(argc > 2 ? std::atol(argv[2]) : 400, argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 1,
                               shares);
    }
    const long traces = argc > 1 ? std::atol(argv[1]) : 10000;
    const long limited = argc > 2 ? std::atol(argv[2]) : 200;
    const std::uint64_t seed = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 1;
    const auto shapes = catalogue();
    const auto started = std::chrono::steady_clock::now();

    fmt::print("## Failure control: {} traces over {} diamonds, --confidence {} per branching point\n\n", traces,
               shapes.size(), kConfidence);
    std::map<std::string, Tally> rows;
    Tally all, unmeshed;
    const long per_shape = std::max(1L, traces / static_cast<long>(shapes.size()));
    for (std::size_t i = 0; i < shapes.size(); ++i) {
        const Tally t = run(shapes[i], per_shape, seed * 1000 + i, false, false);
        add(rows[family_of(shapes[i])], t);
        add(all, t);
        if (!shapes[i].meshed && shapes[i].weights.empty())
            add(unmeshed, t);
    }
    print_rows(rows, false);
    const auto [low, high] = wilson(all.missed, all.branching_points);
    fmt::print(
        "\nall: {} traces, {} branching points, {} missed: P(miss) = {:.4f} [{:.4f}, {:.4f}] against {} ({}); "
        "{:.1f}% complete; probes {:.2f}× Diamond-Miner's minimum and {:.2f}× the realized one (unmeshed "
        "diamonds: {:.2f}× and {:.2f}×, goal ≤ 1.15×); {} hung\n",
        all.traces, all.branching_points, all.missed, static_cast<double>(all.missed) / all.branching_points, low, high,
        kConfidence, high <= kConfidence ? "within" : "NOT within", 100.0 * all.complete / all.traces,
        all.probes / all.minimum, all.probes / all.realized_minimum, unmeshed.probes / unmeshed.minimum,
        unmeshed.probes / unmeshed.realized_minimum, all.hung);

    // The whole-trace bound: the share of traces with any miss must stay under --confidence.
    Tally bound;
    const long bound_per_shape = std::max(1L, traces / 10 / static_cast<long>(shapes.size()));
    for (std::size_t i = 0; i < shapes.size(); ++i)
        add(bound, run(shapes[i], bound_per_shape, seed * 2000 + i, false, true));
    const auto [blow, bhigh] = wilson(bound.traces_with_miss, bound.traces);
    fmt::print(
        "\n--trace-bound: {} traces, {} with a missed successor: {:.4f} [{:.4f}, {:.4f}] against {} for the whole "
        "trace; probes {:.2f}× the per-branching-point minimum\n",
        bound.traces, bound.traces_with_miss, static_cast<double>(bound.traces_with_miss) / bound.traces, blow, bhigh,
        kConfidence, bound.probes / bound.minimum);

    if (limited > 0) {
        fmt::print("\n## Under Linux's ICMP rate limits (6 at once, then 1/s per router), RTT 20-100 ms\n\n");
        std::map<std::string, Tally> timed;
        Tally timed_all;
        std::vector<DiamondShape> some;
        for (const auto& shape : shapes)
            if (shape.width <= 16 && shape.length <= 5)
                some.push_back(shape);
        const long per = std::max(1L, limited / static_cast<long>(some.size()));
        for (std::size_t i = 0; i < some.size(); ++i) {
            const Tally t = run(some[i], per, seed * 3000 + i, true, false);
            add(timed[family_of(some[i])], t);
            add(timed_all, t);
        }
        print_rows(timed, true);
        fmt::print("\nall: {} traces, {:.1f}% complete, wall time {:.2f}× the floor, {} hung\n", timed_all.traces,
                   100.0 * timed_all.complete / timed_all.traces, timed_all.seconds / timed_all.floor_seconds,
                   timed_all.hung);
    }
    fmt::print("\n(ran in {:.0f} s of CPU time on this machine)\n",
               std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
}
