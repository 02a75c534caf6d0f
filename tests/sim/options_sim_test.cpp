// SPDX-License-Identifier: MIT
// Engine options that only show their worth on a network: a fixed destination port through a
// firewall (multipath --destination-port, scamper's tcp-sport) and the whole-trace bound.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "measurement/json_measurement.h"

#include "lab_truth.h"
#include "simulated_trace.h"
#include "topology_catalogue.h"
#include "trace_score.h"

namespace rtt::sim {
namespace {

Topology firewalled_diamond() {
    Topology topology = Topology::load(std::string(RTT_TOPOLOGY_DIR) + "/diamond.topo");
    topology.node("r1").behaviour.firewall_tcp_ports = {443};  // only HTTPS passes
    topology.node("server").behaviour.open_tcp_ports = {443};
    return topology;
}

SimulatedTraceSpec tcp_multipath(const Topology& topology) {
    SimulatedTraceSpec spec;
    spec.target = topology.address("server", Family::v4);
    spec.protocol = Protocol::tcp;
    spec.prober.first_id = 77;
    spec.multipath_settings.first_flow = 30000;
    return spec;
}

TEST(Options, FixedDestinationPortReachesAFirewalledServiceOverEveryBranch) {
    SimulatedNetwork network(firewalled_diamond(), 1);
    auto spec = tcp_multipath(network.topology());
    spec.destination_port = 443;
    const auto trace = simulate_trace(network, spec);
    ASSERT_TRUE(trace.forward->record.summary);
    EXPECT_EQ(trace.forward->record.summary->end, TraceEnd::reached);
    ASSERT_TRUE(trace.forward->record.summary->final_answer);
    EXPECT_EQ(trace.forward->record.summary->final_answer->kind, AnswerKind::tcp_syn_ack);  // port 443 open
    EXPECT_EQ(graph_hops(*trace.forward->record.graph)[2].size(), 2u);  // source ports balance like destination ports
}

TEST(Options, VaryingTheDestinationPortStopsAtTheFirewall) {
    SimulatedNetwork network(firewalled_diamond(), 1);
    const auto trace = simulate_trace(network, tcp_multipath(network.topology()));
    EXPECT_NE(trace.forward->record.summary->end, TraceEnd::reached);
}

TEST(Options, TraceBoundAsksForMoreFlowsThanThePerBranchingPointBound) {
    const auto probes = [](bool trace_bound) {
        auto generated = make_diamond({4, 3, false, {}, 2, 1'000'000});
        SimulatedNetwork network(generated.topology, 3);
        SimulatedTraceSpec spec;
        spec.target = generated.truth.destination;
        spec.multipath_settings.trace_bound = trace_bound;
        const auto trace = simulate_trace(network, spec);
        EXPECT_TRUE(score_trace(*trace.forward->record.graph, generated.truth).complete());
        return trace.forward->probes_sent;
    };
    const auto per_point = probes(false);
    const auto whole = probes(true);
    // ~20 vertices share 5%: each gets 0.25%, and n_2 grows from 6 to 10.
    EXPECT_GT(whole, per_point * 3 / 2);
}

}  // namespace
}  // namespace rtt::sim

namespace rtt::sim {
namespace {

// The stored measurement of a simulated trace, checked against docs/measurement.schema.json by
// the same validator the lab tests use (python3-jsonschema).
bool schema_valid(const nlohmann::json& document, std::string& why) {
    char path[] = "/tmp/rtt-sim-measurement-XXXXXX";
    const int fd = mkstemp(path);
    if (fd < 0)
        return false;
    const std::string text = document.dump();
    const bool written = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    close(fd);
    const std::string command =
        std::string(
            "python3 -c 'import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[2])), "
            "json.load(open(sys.argv[1])))' ") +
        RTT_SCHEMA + " " + path + " 2>&1";
    std::string output;
    if (FILE* pipe = popen(command.c_str(), "r")) {
        char buffer[512];
        while (fgets(buffer, sizeof buffer, pipe))
            output += buffer;
        const int status = pclose(pipe);
        unlink(path);
        why = output;
        return written && status == 0;
    }
    unlink(path);
    return false;
}

TEST(Options, StoredMeasurementsOfEveryEngineAndBoundFollowTheSchema) {
    // single path; multipath; + trace bound; + fixed port; + min share; through a per-packet r1;
    // --per-destination through a per-destination r1
    for (const int variant : {0, 1, 2, 3, 4, 5, 6}) {
        Topology topology = Topology::load(std::string(RTT_TOPOLOGY_DIR) + "/diamond.topo");
        topology.node("r2a").behaviour.mpls_labels = {3000};
        if (variant == 5)
            topology.node("r1").behaviour.balancing = Behaviour::Balancing::per_packet;
        if (variant == 6)
            topology.node("r1").behaviour.balancing = Behaviour::Balancing::per_destination;
        SimulatedNetwork network(topology, 2);
        SimulatedTraceSpec spec;
        spec.target = topology.address("server", Family::v4);
        spec.multipath = variant > 0;
        spec.multipath_settings.trace_bound = variant == 2;
        spec.multipath_settings.min_share = variant == 4 ? 0.25 : 0;
        if (variant == 3)
            spec.destination_port = 443;
        spec.per_destination = variant == 6 ? 6 : 0;
        const auto trace = simulate_trace(network, spec);
        MeasurementParameters p;
        p.multipath = spec.multipath;
        p.target = spec.target.to_string();
        p.confidence = 0.05;
        p.retry = 3;
        p.min_burst = 20;
        p.max_burst = 500;
        p.max_probes = 10000;
        p.probes_per_hop = 3;
        p.flow = 33434;
        p.timeout_s = 2;
        p.abort_after = 3;
        p.trace_bound = variant == 2;
        p.destination_port = variant == 3 ? 443 : 0;
        p.min_share = variant == 4 ? 0.25 : 0;
        p.per_destination = variant == 6 ? 6 : 0;
        const auto source = topology.address("client", Family::v4);
        const std::vector<RecordedDirection> recorded{
            {TraceDirection::forward, source, spec.target, &trace.forward->record}};
        const auto now = std::chrono::system_clock::now();
        const auto document = measurement_json(p, {source, spec.target, now, now}, recorded, {});
        EXPECT_NE(document.contains("multipath"), document.contains("singlepath")) << "variant " << variant;
        if (variant == 2) {
            EXPECT_EQ(document["multipath"]["confidence_scope"], "trace");
        }
        if (variant == 3) {
            EXPECT_EQ(document["multipath"]["destination_port"], 443);
        }
        EXPECT_EQ(document.contains("multipath") && document["multipath"].contains("min_share"), variant == 4);
        if (variant == 4) {
            EXPECT_EQ(document["multipath"]["min_share"], 0.25);
            // One vertex at every hop of the diamond but r2a/r2b's: n_2 = 15 flows per vertex, more than
            // the even table's 6 ask for.
            EXPECT_GE(trace.forward->probes_sent, 15u * 4u);
        }
        if (variant == 5) {
            // Hops 2 and 3 behind r1 are marked; r3 answers from the link each packet came in on,
            // so which of its addresses follows r2a or r2b is in doubt.
            int marked = 0;
            bool uncertain = false;
            for (const auto& vertex : document["traces"]["forward"]) {
                marked += vertex.contains("per_packet") ? 1 : 0;
                uncertain = uncertain || vertex.contains("uncertain_successors");
            }
            EXPECT_EQ(marked, 4);
            EXPECT_TRUE(uncertain);
        }
        EXPECT_EQ(document.contains("multipath") && document["multipath"].contains("per_destination"), variant == 6);
        if (variant == 6) {
            // Flows to the server all take one of r2a and r2b; another address took the other.
            EXPECT_EQ(document["multipath"]["per_destination"], 6);
            int marked = 0;
            for (const auto& vertex : document["traces"]["forward"])
                marked += vertex.contains("other_destination_next_hops") ? 1 : 0;
            EXPECT_EQ(marked, 1);
        }
        std::string why;
        EXPECT_TRUE(schema_valid(document, why)) << "variant " << variant << ": " << why;
    }
}

}  // namespace
}  // namespace rtt::sim
