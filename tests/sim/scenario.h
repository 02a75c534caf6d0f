// SPDX-License-Identifier: MIT
// Simulator scenarios as data (tests/sim/scenarios/*.scenario): a lab topology, what its nodes
// do (silence, loss, rate limits, NAT, per-packet balancing, MPLS, delays), the trace to run and
// its expected result. Adding a scenario needs no C++: the file is the test. The format is one
// statement per line, `#` starts a comment:
//
//   topology NAME                       tests/lab/topologies/NAME.topo
//   link-delay MS                       every link's one-way delay in milliseconds
//   node NODE silent | loss SHARE | rate-limit linux | rate-limit policer PER_SECOND | nat
//             | per-packet | mpls LABEL... | answers-from route-back
//   trace DIRECTION PROTOCOL ENGINE FAMILY    e.g. two-way udp multipath 4; the target is "server"
//   seeds N                             run with seeds 1..N (default 1)
//   option retries N | timeout SECONDS | confidence EPSILON | destination-port PORT
//   expect DIRECTION end reached|unreachable|no_reply|max_ttl|failed|interrupted
//   expect DIRECTION truth              every hop that answered is on the topology's truth line at
//                                       its TTL, and every address of that line answered unless
//                                       its node is silent
//   expect DIRECTION silent-hop TTL     single path: that hop is silent; multipath: a *** there
//   expect DIRECTION black-holes N      multipath: exactly N *** vertices
//   expect DIRECTION mpls-at TTL        the answers at that TTL quoted an MPLS label stack
//   expect finishes-within SECONDS      simulated time, every seed
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "simulated_trace.h"
#include "topology.h"

namespace rtt::sim {

struct ScenarioExpectation {
    std::string direction;  // forward, reverse, or empty (the whole run)
    std::string what;       // end, truth, silent-hop, black-holes, mpls-at, finishes-within
    std::string value;
};

struct Scenario {
    std::string name;
    Topology topology;
    Family family = Family::v4;
    SimulatedTraceSpec spec;  // the target and the seed-dependent fields are set per run
    int seeds = 1;
    std::vector<ScenarioExpectation> expectations;
};

// Parses a scenario's text; throws std::invalid_argument naming the line and what is wrong.
Scenario parse_scenario(const std::string& name, const std::string& text, const std::string& topology_dir);

// Runs the scenario with one seed; returns what did not hold, one sentence each (empty: all
// held).
std::vector<std::string> run_scenario(const Scenario& scenario, std::uint64_t seed);

}  // namespace rtt::sim
