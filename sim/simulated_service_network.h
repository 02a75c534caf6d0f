// SPDX-License-Identifier: MIT
// The prober service on the simulated network (reverse-traceroute-prober --simulate): traces
// and probes from one host of a topology, deterministic and without privileges, for tests and
// notebooks. Simulated time runs as fast as the CPU allows, or `speed` times as fast as real
// time (1: as a real network would take), so that a program can cancel a trace midway.
#pragma once

#include <memory>
#include <string>

#include "service/service_network.h"
#include "topology.h"

namespace rtt::sim {

struct SimulatedServiceSettings {
    std::string host = "client";  // where the prober runs
    std::uint64_t seed = 1;
    double speed = 0;  // simulated seconds per real second; 0: no pacing
};

// Throws std::invalid_argument with one sentence when `host` is not a node of `topology`.
std::unique_ptr<client::ServiceNetwork> simulated_service_network(Topology topology,
                                                                  const SimulatedServiceSettings& settings);

}  // namespace rtt::sim
