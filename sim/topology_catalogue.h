// SPDX-License-Identifier: MIT
// Generated topologies for the sim tests and the failure-control bench, fakeroute-style:
// a diamond between a divergence router and a convergence router, with its true graph so a
// trace can be scored against it.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "topology.h"

namespace rtt::sim {

struct DiamondShape {
    int width = 2;        // parallel vertices per hop inside the diamond
    int length = 1;       // hops inside the diamond
    bool meshed = false;  // each vertex also leads to the next vertex of the next hop
    // Shares of the divergence router's next hops (weights, one per branch); empty: even.
    std::vector<int> weights;
    int lead_in = 1;  // routers up to the diamond; the last of them is where it diverges
    std::int64_t link_delay_ns = 1'000'000;
    bool per_packet = false;       // the divergence router picks a next hop per packet, not per flow
    bool per_destination = false;  // ... or per destination address, whatever the flow
};

// The true IP-level graph as a trace should find it: addresses by TTL and edges between them.
struct TrueGraph {
    std::map<int, std::set<IpAddress>> vertices;      // by TTL
    std::set<std::pair<IpAddress, IpAddress>> edges;  // (TTL t, TTL t+1)
    std::map<IpAddress, double> reach;                // share of flows that pass the vertex
    IpAddress destination;
};

struct GeneratedTopology {
    Topology topology;
    TrueGraph truth;  // IPv4
};

// client – r1 … r{lead_in} (the last one diverges) – the diamond – convergence router – server.
// Routers answer from the interface of their route back (one address per router) and route
// the way back through one fixed predecessor.
GeneratedTopology make_diamond(const DiamondShape& shape);

// Adds `count` more hosts beside the server, behind the join router and reached the same way
// (many targets for many traces at once); returns their addresses.
std::vector<IpAddress> add_servers(GeneratedTopology& generated, int count);

// A short name for a shape in reports, e.g. "w8 l2 meshed 3:1".
std::string shape_name(const DiamondShape& shape);

}  // namespace rtt::sim
