// SPDX-License-Identifier: MIT
// Many traces in one loop (client::Scheduler), as the prober service and campaigns will run them:
// each finds what it finds alone, and together they keep to the probes/s budget they share.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "measurement/flow_table.h"
#include "simulated_trace.h"
#include "topology_catalogue.h"

namespace rtt::sim {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

// Trace `i` of many from the client to the diamond's far end: its own probe ids, ICMP
// identifier and flows, as separate processes' traces would have.
SimulatedTraceSpec trace_number(std::size_t i, const IpAddress& target) {
    SimulatedTraceSpec spec;
    spec.target = target;
    spec.multipath = i % 4 != 3;  // every fourth a single path ICMP trace
    spec.protocol = spec.multipath ? Protocol::udp : Protocol::icmp;
    spec.prober.first_id = static_cast<std::uint16_t>(1 + i * 1200);
    spec.forward_identifier = static_cast<std::uint16_t>(5000 + i);
    spec.multipath_settings.first_flow = static_cast<std::uint16_t>(10000 + i * 97);
    return spec;
}

// What a trace found, as text: the per-flow table (multipath) or the hops' responders.
std::vector<std::string> found(const SimulatedTrace& trace) {
    const TraceRecord& record = trace.forward->record;
    if (record.graph)
        return flow_table(*record.graph);
    std::vector<std::string> lines;
    for (const HopResult& hop : record.hops)
        for (const auto& reply : hop.replies)
            lines.push_back(
                fmt::format("{} {}", hop.ttl, reply.answer ? reply.answer->responder.to_string() : std::string("*")));
    return lines;
}

TEST(Scheduler, ManyTracesInOneLoopFindWhatEachFindsAloneWithinTheirBudget) {
    const GeneratedTopology generated = make_diamond({4, 2, true, {}, 2, 5'000'000});
    constexpr std::size_t kTraces = 40;
    constexpr double kProbesPerSecond = 500;
    std::vector<SimulatedTraceSpec> specs;
    std::vector<std::vector<std::string>> alone;
    for (std::size_t i = 0; i < kTraces; ++i) {
        specs.push_back(trace_number(i, generated.truth.destination));
        SimulatedNetwork network(generated.topology, 11);
        const SimulatedTrace trace = simulate_trace(network, specs.back());
        ASSERT_EQ(trace.forward->record.summary->end, TraceEnd::reached) << "trace " << i << " alone";
        alone.push_back(found(trace));
    }
    SimulatedNetwork network(generated.topology, 11);
    const std::vector<SimulatedTrace> together = simulate_traces(network, specs, kProbesPerSecond);
    ASSERT_EQ(together.size(), kTraces);
    std::uint64_t probes = 0;
    for (std::size_t i = 0; i < kTraces; ++i) {
        EXPECT_FALSE(together[i].hung);
        EXPECT_EQ(together[i].forward->record.summary->end, TraceEnd::reached) << "trace " << i;
        EXPECT_EQ(found(together[i]), alone[i]) << "trace " << i;
        probes += together[i].forward->probes_sent;
    }
    // The budget holds (a burst of 10 ms worth at most), and is used: the run takes about as
    // long as its probes at that rate, plus the last answers' way back.
    const double seconds = static_cast<double>(together.front().simulated_ns) / static_cast<double>(kSecond);
    const double at_budget = static_cast<double>(probes) / kProbesPerSecond;
    EXPECT_GE(seconds, at_budget - 0.01) << probes << " probes";
    EXPECT_LE(seconds, 1.1 * at_budget + 0.2) << probes << " probes";
}

TEST(Scheduler, WithoutABudgetTracesRunSideBySide) {
    const GeneratedTopology generated = make_diamond({2, 1, false, {}, 1, 5'000'000});
    std::vector<SimulatedTraceSpec> specs;
    for (std::size_t i = 0; i < 8; ++i)
        specs.push_back(trace_number(i, generated.truth.destination));
    SimulatedNetwork alone_network(generated.topology, 3);
    const std::int64_t one = simulate_trace(alone_network, specs.front()).simulated_ns;
    SimulatedNetwork network(generated.topology, 3);
    const auto together = simulate_traces(network, specs);
    // Eight at once take about as long as the slowest one alone, not eight times as long.
    EXPECT_LT(together.front().simulated_ns, 3 * one);
    for (const auto& trace : together)
        EXPECT_EQ(trace.forward->record.summary->end, TraceEnd::reached);
}

TEST(Scheduler, TracesAddedAsOthersEndKeepTheConcurrencyAndFindTheSame) {
    const GeneratedTopology generated = make_diamond({3, 1, false, {}, 1, 5'000'000});
    std::vector<SimulatedTraceSpec> specs;
    for (std::size_t i = 0; i < 24; ++i)
        specs.push_back(trace_number(i, generated.truth.destination));
    SimulatedNetwork all_network(generated.topology, 5);
    const auto all_at_once = simulate_traces(all_network, specs);
    SimulatedNetwork network(generated.topology, 5);
    std::size_t peak = 0;
    const auto four_at_a_time = simulate_traces(network, specs, 0, 4, &peak);
    EXPECT_EQ(peak, 4u);
    for (std::size_t i = 0; i < specs.size(); ++i) {
        EXPECT_EQ(four_at_a_time[i].forward->record.summary->end, TraceEnd::reached) << "trace " << i;
        EXPECT_EQ(found(four_at_a_time[i]), found(all_at_once[i])) << "trace " << i;
    }
    // Six waves of four take longer than one of twenty-four.
    EXPECT_GT(four_at_a_time.front().simulated_ns, 3 * all_at_once.front().simulated_ns);
}

}  // namespace
}  // namespace rtt::sim
