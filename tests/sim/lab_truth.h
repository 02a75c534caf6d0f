// SPDX-License-Identifier: MIT
// The `truth` lines of the lab's topology files as addresses: per TTL, the addresses that may
// answer there (NODE:LINK alternatives), as the lab tests read them.
#pragma once

#include <map>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "measurement/multipath_graph.h"
#include "topology.h"

namespace rtt {
// Addresses in test failures as text.
inline void PrintTo(const IpAddress& address, std::ostream* out) {
    *out << address.to_string();
}
}  // namespace rtt

namespace rtt::sim {

// The addresses a graph found per TTL (the root left out), to compare with the truth.
inline std::map<int, std::set<IpAddress>> graph_hops(const MultipathGraph& graph) {
    std::map<int, std::set<IpAddress>> hops;
    for (const auto& vertex : graph.vertices)
        if (vertex.id != 0 && vertex.address)
            hops[vertex.ttl].insert(*vertex.address);
    return hops;
}

inline std::vector<std::set<IpAddress>> truth_hops(const Topology& topology, const std::string& name, Family family) {
    std::vector<std::set<IpAddress>> hops;
    std::istringstream words(topology.truth().at(name));
    for (std::string hop; words >> hop;) {
        std::set<IpAddress> alternatives;
        std::istringstream parts(hop);
        for (std::string part; std::getline(parts, part, '|');) {
            const auto colon = part.find(':');
            alternatives.insert(topology.address(part.substr(0, colon), std::stoi(part.substr(colon + 1)), family));
        }
        hops.push_back(alternatives);
    }
    return hops;
}

}  // namespace rtt::sim
