// SPDX-License-Identifier: MIT
// The graph a multipath trace finds, shared by the engine and the renderers: one vertex per
// responding address and TTL, black holes ("***") for flows that went silent, keyed by TTL and
// the vertex before them, and an edge wherever one flow was seen at consecutive TTLs. An edge
// is "inferred" when the flow was not probed at the nearer TTL because that hop was known to
// be a single vertex (every flow passes it), as the Augsburg client's shadow flows.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "measurement/answer.h"

namespace rtt {

// What one flow met at one TTL.
struct FlowObservation {
    enum class State { unprobed, answered, silent };
    State state = State::unprobed;
    std::optional<Answer> answer;  // answered
    double rtt_ms = 0;
    std::uint16_t attempts = 0;  // probes sent for this flow at this TTL, retries included
    // Answered only after an earlier probe went unanswered.
    bool retried() const { return attempts > 1; }
};

// Per TTL, indexed by flow index; flow_values[i] is the wire value of flow i.
using ObservationTable = std::map<std::uint8_t, std::vector<FlowObservation>>;

struct MultipathVertex {
    int id = 0;
    std::uint8_t ttl = 0;
    std::optional<IpAddress> address;  // nullopt: a black hole
    std::vector<std::uint16_t> flows;  // flows answered by this vertex (wire values)
    std::vector<double> rtts_ms;
    // Probes sent to its flows at its TTL, retries included: those beyond rtts_ms.size() were lost
    // (for a black hole, all of them).
    std::uint64_t sent = 0;
    std::optional<Answer> answer;  // one of its answers (kind, ICMP code) for annotations
    std::vector<MplsStack> mpls;   // the distinct MPLS label stacks its answers quoted
    void add_mpls(const MplsStack& stack);
    // What its answers' quotes first showed rewritten (measurement/path_changes.h), distinct.
    std::vector<PathChange> changes;
    void add_changes(const std::vector<PathChange>& found);
    bool end_of_path = false;  // the destination, or a router saying "unreachable"
    // Its hop is behind a per-packet balancer: one flow met several responders there, or at an
    // earlier hop with no single vertex between (mark_per_packet()).
    bool per_packet = false;
    // It balances per destination (--per-destination): Paris traces to other addresses of the
    // target's prefix left it for these next hops, which no flow to the target met
    // (mark_per_destination()). The flows, all to one address, could not show them.
    std::vector<IpAddress> other_destination_next_hops;
};

struct MultipathEdge {
    int from = 0;
    int to = 0;
    bool inferred = false;  // every flow behind it was inferred through a one-vertex hop
    bool retried = false;   // every flow behind it needed a retried probe (a lossy hop)
    // Not known to exist: its flow may have passed another vertex of the `from` hop when it was
    // probed one TTL deeper, because that hop is behind a per-packet balancer (mark_per_packet()).
    bool uncertain = false;
};

struct MultipathGraph {
    std::vector<MultipathVertex> vertices;  // vertices[0] is the root (the tracing source)
    std::vector<MultipathEdge> edges;

    std::vector<int> successors(int id) const;
    // Folds vertices with the same address at different TTLs into the first one (unequal
    // path lengths, tunnels); black holes are kept. Self-loops are dropped.
    MultipathGraph merged() const;
};

// The responder of a hop where at least `min_flows` flows answered, all from one address that
// does not end the path, and none stayed silent: every flow passes that vertex.
std::optional<IpAddress> single_vertex(const std::vector<FlowObservation>& hop, std::size_t min_flows,
                                       const IpAddress& end_of_path);

// Marks what per-packet balancing makes uncertain. `varying`: hops where one flow met several
// responders; `per_flow`: hops where it met one on every repeat of the test. Behind a varying
// hop a flow's path differs from probe to probe, up to the next hop shown to be per flow or to
// have one vertex: vertices there are marked per_packet, and a link from one of them is
// uncertain unless it leads to a hop whose single vertex the test confirmed, or the destination
// alone at its hop (every packet passes that vertex, whatever way it took).
void mark_per_packet(MultipathGraph& graph, const std::set<std::uint8_t>& varying,
                     const std::set<std::uint8_t>& per_flow);

// What a Paris trace to another address of the target's prefix met: its time-exceeded
// responders by TTL (silent TTLs left out).
using AlternatePath = std::map<std::uint8_t, IpAddress>;

// --per-destination. Where an alternate path met a vertex of the graph at TTL t and, at t + 1,
// an address that no flow to the target met there, that vertex sends other destinations other
// ways: the address joins its other_destination_next_hops, and the alternate is followed no
// further (past a divergence its hops say nothing about the target's graph). Only TTLs before
// the target's first end-of-path vertex are judged: beside the target, addresses of one prefix
// may be routed apart without any balancer.
void mark_per_destination(MultipathGraph& graph, const std::vector<AlternatePath>& alternates);

// Builds the graph from what every flow met at every TTL.
MultipathGraph build_graph(const ObservationTable& table, const std::vector<std::uint16_t>& flow_values,
                           const IpAddress& root, std::uint8_t first_ttl, std::size_t single_vertex_flows,
                           const IpAddress& end_of_path);

}  // namespace rtt
