// SPDX-License-Identifier: MIT
#include "flow_plan.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace rtt::client {

ObservationQueries::ObservationQueries(const ObservationTable& table, const StoppingPoints& stops, PlanLimits limits)
    : table_(table), stops_(stops), limits_(limits) {}

const FlowObservation& ObservationQueries::seen(std::uint8_t ttl, std::size_t flow) const {
    static const FlowObservation unprobed;
    const auto hop = table_.find(ttl);
    if (hop == table_.end() || flow >= hop->second.size())
        return unprobed;
    return hop->second[flow];
}

int ObservationQueries::silent_run(std::uint8_t ttl, std::size_t flow) const {
    int run = 0;
    while (ttl >= limits_.first_ttl && seen(ttl, flow).state == FlowObservation::State::silent) {
        ++run;
        --ttl;
    }
    return run;
}

bool ObservationQueries::ends(const FlowObservation& observation) const {
    return observation.state == FlowObservation::State::answered && ends_path(*observation.answer, limits_.end_of_path);
}

bool ObservationQueries::alive_before(std::uint8_t ttl, std::size_t flow) const {
    for (unsigned t = limits_.first_ttl; t < ttl; ++t) {
        const auto at = static_cast<std::uint8_t>(t);
        const FlowObservation& observation = seen(at, flow);
        if (ends(observation))
            return false;
        if (observation.state == FlowObservation::State::silent && silent_run(at, flow) >= limits_.abort_after)
            return false;
    }
    return true;
}

const std::optional<IpAddress>& ObservationQueries::single(std::uint8_t ttl) const {
    const auto cached = single_cache_.find(ttl);
    if (cached != single_cache_.end())
        return cached->second;
    std::optional<IpAddress> result;
    if (const auto hop = table_.find(ttl); hop != table_.end())
        result = single_vertex(hop->second, first_flows(), limits_.end_of_path);
    return single_cache_[ttl] = result;
}

bool is_wanted(const WantedFlows& wanted, std::uint8_t ttl, std::size_t flow, std::size_t first_flows) {
    const auto found = wanted.find(ttl);
    if (found == wanted.end())
        return flow < first_flows;
    return found->second.count(flow) > 0;
}

namespace {

// The vertices a hop showed, silence counted as one (nullopt).
using Successors = std::set<std::optional<IpAddress>>;

void add_met(Successors& met, const FlowObservation& observation) {
    if (observation.state == FlowObservation::State::answered)
        met.insert(observation.answer->responder);
    else if (observation.state == FlowObservation::State::silent)
        met.insert(std::nullopt);
}

class Planner {
public:
    Planner(const ObservationQueries& queries, WantedFlows wanted) : q_(queries), wanted_(std::move(wanted)) {}

    WantedFlows run() {
        for (const auto& [ttl, hop] : q_.table()) {
            if (ttl < q_.limits().first_ttl || ttl > q_.limits().max_ttl)
                continue;
            if (ttl == q_.limits().first_ttl || q_.single(static_cast<std::uint8_t>(ttl - 1)))
                plan_after_single(ttl, hop);
            else
                plan_per_vertex(ttl);
        }
        carry_back();
        return std::move(wanted_);
    }

private:
    bool wanted(std::uint8_t ttl, std::size_t flow) const { return is_wanted(wanted_, ttl, flow, q_.first_flows()); }

    void want(std::uint8_t ttl, std::size_t flow) {
        auto [entry, created] = wanted_.try_emplace(ttl);
        if (created)
            for (std::size_t i = 0; i < q_.first_flows(); ++i)
                entry->second.insert(i);
        entry->second.insert(flow);
    }

    // n_{k+1}: the flows a vertex that showed k successors (at least one) needs.
    std::size_t flows_needed(std::size_t successors) const {
        return static_cast<std::size_t>(
            q_.stops().flows_for(static_cast<int>(std::max<std::size_t>(1, successors)) + 1));
    }

    // Adds `count` flows at `ttl` that were not probed there yet, lowest first.
    void add_new_flows(std::uint8_t ttl, std::size_t count) {
        for (std::size_t flow = 0; count > 0; ++flow)
            if (!wanted(ttl, flow) && q_.seen(ttl, flow).state == FlowObservation::State::unprobed &&
                q_.alive_before(ttl, flow)) {
                want(ttl, flow);
                --count;
            }
    }

    // Every flow passes the vertex before this hop: its successors are this hop's vertices.
    void plan_after_single(std::uint8_t ttl, const std::vector<FlowObservation>& hop) {
        Successors here;
        std::size_t probed = 0;  // flows probed here, or asked for and not probed yet
        for (std::size_t flow = 0; flow < hop.size(); ++flow) {
            add_met(here, hop[flow]);
            if (hop[flow].state != FlowObservation::State::unprobed && !wanted(ttl, flow))
                ++probed;
        }
        // Flows asked for count whether or not their probes have left: the table only grows as
        // answers come, so at a paced hop most asked-for flows lie beyond its end for a while, and
        // counting them from the table asked for the same flows' worth again at every plan.
        if (const auto asked = wanted_.find(ttl); asked != wanted_.end())
            probed += asked->second.size();
        else
            probed += q_.first_flows();
        const std::size_t needed = flows_needed(here.size());
        if (probed < needed)
            add_new_flows(ttl, needed - probed);
    }

    // Several vertices before this hop: each needs its own flows here.
    void plan_per_vertex(std::uint8_t ttl) {
        const auto previous = static_cast<std::uint8_t>(ttl - 1);
        const auto before_hop = q_.table().find(previous);
        if (before_hop == q_.table().end())
            return;
        // Group the flows of the previous hop by the vertex they met there.
        const auto& before = before_hop->second;
        std::map<std::optional<IpAddress>, std::vector<std::size_t>> groups;
        std::size_t settled = 0;
        for (std::size_t flow = 0; flow < before.size(); ++flow) {
            const FlowObservation& observation = before[flow];
            if (observation.state == FlowObservation::State::answered) {
                ++settled;
                if (!q_.ends(observation))
                    groups[observation.answer->responder].push_back(flow);
            } else if (observation.state == FlowObservation::State::silent) {
                ++settled;
                if (q_.silent_run(previous, flow) < q_.limits().abort_after)
                    groups[std::nullopt].push_back(flow);
            }
        }
        for (const auto& [vertex, flows] : groups) {
            Successors successors;
            for (const std::size_t flow : flows)
                add_met(successors, q_.seen(ttl, flow));
            const std::size_t needed = flows_needed(successors.size());
            for (std::size_t i = 0; i < std::min(needed, flows.size()); ++i)
                want(ttl, flows[i]);
            if (flows.size() >= needed)
                continue;
            // Too few flows reach this vertex: probe new flows at the previous hop, as many as
            // its share of that hop says will bring the missing ones here.
            std::size_t pending_there = 0;  // new flows already on their way to the previous hop
            if (const auto there = wanted_.find(previous); there != wanted_.end())
                for (const std::size_t flow : there->second)
                    if (q_.seen(previous, flow).state == FlowObservation::State::unprobed)
                        ++pending_there;
            const double share = static_cast<double>(flows.size()) / static_cast<double>(settled);
            // A share from a few flows is a rough estimate: grow a hop at most twofold a round.
            const auto more =
                std::min(static_cast<std::size_t>(std::ceil(static_cast<double>(needed - flows.size()) / share)),
                         std::max(settled, q_.first_flows()));
            // While flows are still on their way to the previous hop its shares are not known
            // yet: wait for them rather than guess (over-asking costs most at rate-limited hops).
            // No flows are steered toward a black hole: its share cannot be aimed at, and a few
            // flows lost on the way make a tiny one, for which new flows would be asked round
            // after round without end (the issue 15 hang); the flows the answering vertices
            // bring show what follows a real silent router.
            if (pending_there == 0 && vertex)
                add_new_flows(previous, more);
        }
    }

    // A flow probed at a hop of several vertices must be probed at the hop before as well, or
    // its edge is unknown: carry wanted flows back over every hop that is not a single vertex.
    void carry_back() {
        for (auto it = wanted_.rbegin(); it != wanted_.rend(); ++it) {
            const std::uint8_t ttl = it->first;
            if (ttl <= q_.limits().first_ttl)
                continue;
            const auto previous = static_cast<std::uint8_t>(ttl - 1);
            if (q_.single(previous))
                continue;
            for (const std::size_t flow : std::set<std::size_t>(it->second))
                if (q_.seen(previous, flow).state == FlowObservation::State::unprobed &&
                    q_.alive_before(previous, flow))
                    want(previous, flow);
        }
    }

    const ObservationQueries& q_;
    WantedFlows wanted_;
};

}  // namespace

WantedFlows plan_flows(const ObservationQueries& queries, WantedFlows wanted) {
    return Planner(queries, std::move(wanted)).run();
}

double trace_bound_share(const ObservationQueries& queries, double confidence) {
    std::size_t tested = 0;
    for (const auto& [ttl, hop] : queries.table()) {
        Successors here;
        for (const auto& observation : hop)
            if (!queries.ends(observation))
                add_met(here, observation);
        tested += here.size();
    }
    return confidence / static_cast<double>(std::max<std::size_t>(1, tested));
}

}  // namespace rtt::client
