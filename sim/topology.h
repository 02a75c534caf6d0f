// SPDX-License-Identifier: MIT
// The simulated network's map: nodes, links with delays, routes with equal-cost next hops, and
// what each router does with the packets it forwards and the ICMP errors it owes. It reads
// the namespace lab's `.topo` files (tests/lab/netlab.sh documents the format) and addresses
// nodes as the lab does: on link N the first node named is 198.18.N.1 / 2001:db8:N::1, the
// second .2 / ::2. Generated topologies (diamonds) come from topology_catalogue.h.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ip_address.h"

namespace rtt::sim {

// An ICMP rate limit as a token bucket: `burst` errors at once, then one per `interval_ns`.
struct RateLimit {
    int burst = 0;  // 0: no limit
    std::int64_t interval_ns = 0;
    bool per_destination = true;  // one bucket per destination (Linux), or one for all (a policer)

    // Linux's defaults: 6 at once, then one per second, per destination (icmp_ratelimit 1000 ms).
    static RateLimit linux_default() { return {6, 1'000'000'000, true}; }
    // A router's control-plane policer over all destinations, e.g. 100 per second.
    static RateLimit policer(int per_second) { return {per_second, 1'000'000'000 / per_second, false}; }
};

// What a router (or host) does beyond forwarding by its routes.
struct Behaviour {
    // Per destination: one next hop per (source, destination) pair, whatever the ports (Linux's
    // default L3 hash, many routers' CEF default).
    enum class Balancing { per_flow, per_packet, per_destination };
    Balancing balancing = Balancing::per_flow;
    std::uint64_t hash_seed = 0;  // per-flow balancing: which flow takes which next hop
    bool silent = false;          // never sends an ICMP error (still forwards)
    double loss = 0;              // share of the packets it receives that it drops
    // The address ICMP errors come from: the interface the probe came in on (as the lab sets
    // Linux), or the interface of the route back to the probe's source (Linux's default).
    enum class AnswerFrom { inbound, route_back };
    AnswerFrom answer_from = AnswerFrom::inbound;
    RateLimit rate_limit;  // on the ICMP errors it sends
    // Rewrites the source port of UDP and TCP packets it forwards (per flow) and never
    // translates the ICMP errors that quote them back.
    bool nat = false;
    // Quoted in its time-exceeded messages as an RFC 4950 MPLS label stack (RFC 4884 extension).
    std::vector<std::uint32_t> mpls_labels;
    std::vector<std::uint16_t> open_tcp_ports;  // a host answers SYNs there with SYN-ACK, elsewhere RST
    // A firewall: forwards TCP only to these destination ports and drops other TCP silently
    // (empty: forwards everything).
    std::vector<std::uint16_t> firewall_tcp_ports;
};

struct Link {
    int number = 0;
    std::string a;                      // 198.18.N.1
    std::string b;                      // 198.18.N.2
    std::int64_t delay_ns = 1'000'000;  // one way
};

struct Node {
    std::string name;
    bool router = false;
    bool reverse_server = false;  // runs a reverse traceroute server (answers requests)
    Behaviour behaviour;
    // Next hops (neighbour names) per destination link number; -1 is the default route.
    std::map<int, std::vector<std::string>> routes;
};

class Topology {
public:
    // Parses a `.topo` file's text; throws std::invalid_argument naming the line.
    static Topology parse(const std::string& text);
    static Topology load(const std::string& path);

    void add_node(const std::string& name, bool router);
    int add_link(const std::string& a, const std::string& b, std::int64_t delay_ns = 1'000'000);
    void add_route(const std::string& node, int destination_link, std::vector<std::string> via);
    // Every link's one-way delay (the `.topo` format has none; the lab's are near zero).
    void set_link_delays(std::int64_t delay_ns);

    Node& node(const std::string& name);
    const Node& node(const std::string& name) const;
    const std::map<std::string, Node>& nodes() const { return nodes_; }
    const Link& link(int number) const;
    const std::map<int, Link>& links() const { return links_; }
    // The links a node is on.
    std::vector<int> links_of(const std::string& node) const;
    // NODE's address on link N (lab addressing).
    IpAddress address(const std::string& node, int link, Family family) const;
    IpAddress address(const std::string& node, Family family) const;  // on its lowest link
    // The link whose prefix holds this address (198.18.N.0/24, 2001:db8:N::/64, or a generated
    // /30), whether a node has it or not: where a router sends it.
    std::optional<int> link_of(const IpAddress& address) const;
    // Who has this address, and on which link.
    std::optional<std::pair<std::string, int>> owner(const IpAddress& address) const;
    // The `truth` lines of a `.topo` file, by name.
    const std::map<std::string, std::string>& truth() const { return truth_; }

private:
    std::map<std::string, Node> nodes_;
    std::map<int, Link> links_;
    std::map<std::string, std::string> truth_;
};

}  // namespace rtt::sim
