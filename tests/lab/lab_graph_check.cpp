// SPDX-License-Identifier: MIT
// lab-graph-check: compares the graph of one direction of a measurement (the client's JSON)
// with the ground truth of a lab topology file (netlab.sh format). Every true vertex must be
// found at its TTL, no other vertex may appear, and the links must be exactly the true ones:
// a link X→Y is true when Y's address lies on the link joining X's node and Y's node (routers
// answer from the interface a probe came in on).
//   lab-graph-check TOPOLOGY DIRECTION FAMILY MEASUREMENT.json [--silent NODE]...
// A --silent node sends no ICMP errors: its vertices must show up as black holes ("***"),
// every other true vertex must still be found, and links are checked between real vertices.
// --single-path: the graph must be one path (one vertex per TTL, as ICMP probes take: Linux
// does not spread them over ECMP) whose vertices and links are all true.
// --scamper: MEASUREMENT is scamper's `tracelb -O json` output instead; its graph is rebuilt
// Diamond-Miner style from the (flow, TTL) → address of every probe it sent, so both tools are
// judged by the same rule.
// Prints one line per difference and a summary; exit 0 when the graph matches, 1 otherwise.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "topology.h"

namespace {

using rtt::Family;
using rtt::sim::Topology;

// The hops of a `truth` line of the topology file, by direction.
std::vector<std::string> truth_hops(const Topology& topology, const std::string& direction) {
    std::vector<std::string> hops;
    std::istringstream words(topology.truth().at(direction));
    for (std::string hop; words >> hop;)
        hops.push_back(hop);
    return hops;
}

struct TrueVertex {
    std::string node;
    int link = 0;
    std::string address;
};

// The lab's address rule, as the simulator and netlab.sh have it (sim/topology.h).
std::string address_of(const Topology& topology, const std::string& node, int link, int family) {
    return topology.address(node, link, family == 4 ? Family::v4 : Family::v6).to_string();
}

std::vector<TrueVertex> alternatives(const Topology& topology, const std::string& hop, int family) {
    std::vector<TrueVertex> result;
    std::istringstream parts(hop);
    std::string part;
    while (std::getline(parts, part, '|')) {
        const auto colon = part.find(':');
        TrueVertex vertex{part.substr(0, colon), std::stoi(part.substr(colon + 1)), ""};
        vertex.address = address_of(topology, vertex.node, vertex.link, family);
        result.push_back(vertex);
    }
    return result;
}

bool joins(const Topology& topology, int link, const std::string& x, const std::string& y) {
    const auto& joined = topology.link(link);
    return (joined.a == x && joined.b == y) || (joined.a == y && joined.b == x);
}

// scamper's tracelb JSON → our vertex list: a vertex per (TTL, address), an edge wherever one
// flow answered at consecutive TTLs, the source linked to the first hop.
nlohmann::json from_scamper(std::istream& in) {
    std::string line;
    while (std::getline(in, line)) {
        const auto trace = nlohmann::json::parse(line);
        if (trace.value("type", "") != "tracelb")
            continue;
        std::map<std::pair<int, int>, std::string> seen;  // (flow, ttl) → address
        std::map<std::pair<int, std::string>, int> ids;   // (ttl, address) → id
        nlohmann::json vertices = nlohmann::json::array();
        const auto vertex = [&](int ttl, const std::string& address) {
            const auto [it, added] = ids.try_emplace({ttl, address}, static_cast<int>(vertices.size()));
            if (added)
                vertices.push_back(
                    {{"id", it->second}, {"address", address}, {"ttl", ttl}, {"successors", nlohmann::json::array()}});
            return it->second;
        };
        vertex(0, trace.at("src"));
        const int first = trace.value("firsthop", 1);
        for (const auto& node : trace.at("nodes"))
            for (const auto& link : node.value("links", nlohmann::json::array()))
                for (const auto& hop : link)
                    for (const auto& probe : hop.value("probes", nlohmann::json::array()))
                        if (!probe.value("replies", nlohmann::json::array()).empty())
                            seen[{probe.at("flowid").get<int>(), probe.at("ttl").get<int>()}] = hop.at("addr");
        const auto& nodes = trace.at("nodes");
        if (!nodes.empty())
            vertices[0]["successors"].push_back(vertex(first, nodes[0].at("addr")));
        for (const auto& [key, address] : seen) {
            const auto& [flow, ttl] = key;
            const int to = vertex(ttl, address);
            const auto before = seen.find({flow, ttl - 1});
            const int from = before != seen.end()                 ? vertex(ttl - 1, before->second)
                             : ttl - 1 == first && !nodes.empty() ? vertex(first, nodes[0].at("addr"))
                                                                  : -1;
            if (from >= 0 && std::find(vertices[static_cast<std::size_t>(from)]["successors"].begin(),
                                       vertices[static_cast<std::size_t>(from)]["successors"].end(),
                                       to) == vertices[static_cast<std::size_t>(from)]["successors"].end())
                vertices[static_cast<std::size_t>(from)]["successors"].push_back(to);
        }
        return vertices;
    }
    throw std::runtime_error("no tracelb result in scamper's output");
}

}  // namespace

int main(int argc, char** argv) {
    std::string topology_path, direction, measurement_path;
    int family = 4;
    std::vector<std::string> silent;
    CLI::App app{"lab-graph-check: a measured multipath graph against the lab's ground truth"};
    app.add_option("TOPOLOGY", topology_path)->required();
    app.add_option("DIRECTION", direction)->required()->check(CLI::IsMember({"forward", "reverse"}));
    app.add_option("FAMILY", family)->required()->check(CLI::IsMember({4, 6}));
    app.add_option("MEASUREMENT", measurement_path)->required();
    bool single_path = false, scamper = false;
    app.add_flag("--scamper", scamper, "MEASUREMENT is scamper tracelb JSON");
    app.add_option("--silent", silent, "A node that sends no ICMP errors");
    app.add_flag("--single-path", single_path, "Expect one true path, not the whole graph");
    CLI11_PARSE(app, argc, argv);

    try {
        const Topology topology = Topology::load(topology_path);
        std::ifstream file(measurement_path);
        const auto vertices = scamper ? from_scamper(file) : nlohmann::json::parse(file).at("traces").at(direction);
        const std::set<std::string> silent_nodes(silent.begin(), silent.end());

        // The truth: per TTL the vertices, and the links between consecutive TTLs.
        const auto hops = truth_hops(topology, direction);
        std::set<std::pair<int, std::string>> true_vertices;  // (ttl, address or "***")
        std::map<int, std::vector<TrueVertex>> by_ttl;
        for (std::size_t i = 0; i < hops.size(); ++i) {
            const int ttl = static_cast<int>(i) + 1;
            for (const auto& vertex : alternatives(topology, hops[i], family)) {
                const bool quiet = silent_nodes.count(vertex.node) > 0;
                true_vertices.insert({ttl, quiet ? "***" : vertex.address});
                if (!quiet)
                    by_ttl[ttl].push_back(vertex);
            }
        }
        std::set<std::pair<std::string, std::string>> true_links;
        for (const auto& [ttl, here] : by_ttl) {
            const auto next = by_ttl.find(ttl + 1);
            if (next == by_ttl.end())
                continue;
            for (const auto& x : here)
                for (const auto& y : next->second)
                    if (joins(topology, y.link, x.node, y.node))
                        true_links.insert({x.address, y.address});
        }
        // The root links to every vertex of TTL 1 (when those are not silent).
        const std::string root = vertices.at(0).at("address");
        for (const auto& y : by_ttl[1])
            true_links.insert({root, y.address});

        // What was measured.
        std::map<int, std::pair<int, std::string>> measured;  // id → (ttl, address)
        for (const auto& v : vertices)
            measured[v.at("id").get<int>()] = {v.at("ttl").get<int>(), v.at("address").get<std::string>()};
        std::set<std::pair<int, std::string>> found_vertices;
        std::set<std::pair<std::string, std::string>> found_links;
        for (const auto& v : vertices) {
            const auto& [ttl, address] = measured.at(v.at("id").get<int>());
            if (ttl > 0)
                found_vertices.insert({ttl, address});
            for (const auto& successor : v.at("successors")) {
                const auto& [next_ttl, next_address] = measured.at(successor.get<int>());
                if (address != "***" && next_address != "***")
                    found_links.insert({address, next_address});
            }
        }

        int differences = 0;
        if (single_path) {
            std::map<int, int> per_ttl;
            for (const auto& [ttl, address] : found_vertices)
                ++per_ttl[ttl];
            for (const auto& [ttl, count] : per_ttl)
                if (count != 1) {
                    std::cout << count << " vertices at ttl " << ttl << ", expected one path\n";
                    ++differences;
                }
            if (per_ttl.size() != hops.size()) {
                std::cout << per_ttl.size() << " hops, expected " << hops.size() << '\n';
                ++differences;
            }
        }
        for (const auto& [ttl, address] : true_vertices)
            if (!single_path && !found_vertices.count({ttl, address})) {
                std::cout << "missing vertex " << address << " at ttl " << ttl << '\n';
                ++differences;
            }
        for (const auto& [ttl, address] : found_vertices)
            if (!true_vertices.count({ttl, address})) {
                std::cout << "false vertex " << address << " at ttl " << ttl << '\n';
                ++differences;
            }
        for (const auto& [from, to] : true_links)
            if (!single_path && !found_links.count({from, to})) {
                std::cout << "missing link " << from << " -> " << to << '\n';
                ++differences;
            }
        for (const auto& [from, to] : found_links)
            if (!true_links.count({from, to})) {
                std::cout << "false link " << from << " -> " << to << '\n';
                ++differences;
            }
        // Branching points: found true vertices with several true successors; one is missed when
        // any of its true links is missing (what --confidence bounds per branching point).
        std::map<std::string, std::vector<std::string>> true_successors;
        for (const auto& [from, to] : true_links)
            true_successors[from].push_back(to);
        std::set<std::string> found_addresses;
        for (const auto& [ttl, address] : found_vertices)
            found_addresses.insert(address);
        int branching = 0, missed = 0;
        for (const auto& [from, successors] : true_successors) {
            if (successors.size() < 2 || !found_addresses.count(from))
                continue;
            ++branching;
            for (const auto& to : successors)
                if (!found_links.count({from, to})) {
                    ++missed;
                    break;
                }
        }
        std::cout << "branching points: " << branching << ", missed: " << missed << '\n';
        std::cout << direction << " v" << family << ": " << found_vertices.size() << " vertices, " << found_links.size()
                  << " links, " << differences << " differences from the truth (" << true_vertices.size()
                  << " vertices, " << true_links.size() << " links)\n";
        return differences == 0 ? 0 : 1;
    } catch (const std::exception& e) {
        std::cout << "lab-graph-check: " << e.what() << '\n';
        return 2;
    }
}
