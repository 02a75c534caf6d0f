// SPDX-License-Identifier: MIT
// Diamond-Miner planning between rounds (docs/multipath.md §1, §2) as a pure function: from what
// every flow met at every TTL so far (the observation table) and the flows already asked for, the
// flows each TTL needs next. Node control: each vertex needs n_{k+1} of its own flows probed at the
// next TTL, k the successors those flows showed; a vertex with too few flows gets new flows at its
// own hop, as many as its share of that hop says will bring the missing ones to it. The engine
// sends what the plan asks for; the plan knows nothing of probes in flight, time or sockets, so it
// is tested by tables (tests/unit/client/flow_plan_test.cpp).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>

#include "engine/stopping_points.h"
#include "measurement/multipath_graph.h"

namespace rtt::client {

// The flows wanted per TTL (indexes into the trace's flow list). A TTL absent from the map has
// not been planned yet and wants the first n_2 flows, to test for a second vertex.
using WantedFlows = std::map<std::uint8_t, std::set<std::size_t>>;

struct PlanLimits {
    std::uint8_t first_ttl = 1;
    std::uint8_t max_ttl = 30;
    int abort_after = 3;  // a flow silent at this many consecutive TTLs is given up
    IpAddress end_of_path;
};

// Read-only questions about an observation table that the plan and the engine both ask. Keeps
// the one-vertex verdict per TTL cached; `forget` drops it when that TTL's observations change.
class ObservationQueries {
public:
    ObservationQueries(const ObservationTable& table, const StoppingPoints& stops, PlanLimits limits);

    const ObservationTable& table() const { return table_; }
    const PlanLimits& limits() const { return limits_; }
    const StoppingPoints& stops() const { return stops_; }
    // n_2: the flows a hop gets before it is known to hold more than one vertex.
    std::size_t first_flows() const { return static_cast<std::size_t>(stops_.flows_for(2)); }

    const FlowObservation& seen(std::uint8_t ttl, std::size_t flow) const;
    // Consecutive silent TTLs of this flow ending at `ttl`.
    int silent_run(std::uint8_t ttl, std::size_t flow) const;
    // The flow did not end (or go silent for good) before `ttl`, as far as is known.
    bool alive_before(std::uint8_t ttl, std::size_t flow) const;
    // The answer ends the traced path (the destination, or an unreachable).
    bool ends(const FlowObservation& observation) const;
    // The single vertex of a hop, if it has been shown to be one.
    const std::optional<IpAddress>& single(std::uint8_t ttl) const;
    void forget(std::uint8_t ttl) const { single_cache_.erase(ttl); }
    void forget_all() const { single_cache_.clear(); }

private:
    const ObservationTable& table_;
    const StoppingPoints& stops_;
    PlanLimits limits_;
    mutable std::map<std::uint8_t, std::optional<IpAddress>> single_cache_;
};

// Whether `flow` is wanted at `ttl` under `wanted` (the default for a TTL not yet planned).
bool is_wanted(const WantedFlows& wanted, std::uint8_t ttl, std::size_t flow, std::size_t first_flows);

// The flows wanted after the round that left `queries`' table: `wanted` with the flows the
// stopping points ask for added (never removed).
WantedFlows plan_flows(const ObservationQueries& queries, WantedFlows wanted);

// --trace-bound: the failure probability per tested vertex when `confidence` is the trace's and
// the union bound splits it among every vertex found so far that does not end the path (each is
// tested for one more successor than it showed).
double trace_bound_share(const ObservationQueries& queries, double confidence);

}  // namespace rtt::client
