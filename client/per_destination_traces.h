// SPDX-License-Identifier: MIT
// --per-destination (forward multipath, docs/multipath.md §1). A balancer that hashes the
// destination address alone sends every flow to the target one way: flows cannot show its other
// branches, which other destinations take. Paris traces (one flow, the multipath trace's first)
// to other addresses of the target's prefix run beside the forward discovery; where one leaves a
// vertex of the target's graph for an address no flow met, that vertex balances per destination
// (mark_per_destination()). This observer stands between the forward engine and the trace's
// observers: it passes everything on at once but the graph and the end, which it holds until
// every other-address trace has ended, so that the graph goes out marked.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "engine/singlepath_engine.h"
#include "io/event_loop.h"
#include "io/prober.h"
#include "measurement/multipath_graph.h"
#include "measurement/trace_result.h"

namespace rtt::client {

// `count` other addresses of the target's /24 (IPv4) or /120 (IPv6), spread over it: never the
// target, nor the prefix's first and last address (an IPv4 network and broadcast address).
std::vector<IpAddress> per_destination_addresses(const IpAddress& target, std::size_t count);

class PerDestinationTraces final : public TraceObserver {
public:
    // One prober per other address, its codec probing that address; `settings`: their traces'.
    PerDestinationTraces(const IpAddress& target, std::vector<std::unique_ptr<Prober>> probers,
                         SinglePathSettings settings);
    PerDestinationTraces(const PerDestinationTraces&) = delete;
    PerDestinationTraces& operator=(const PerDestinationTraces&) = delete;
    ~PerDestinationTraces() override;

    // New traces to the other addresses; the forward engine reports here, and its graph and end
    // go on to `downstream` once they all ended, with their probes counted in the end's.
    void start(TraceObserver& downstream);
    // Their engines, to run beside the forward engine.
    std::vector<ProbingTask*> tasks();
    // Probes their probers sent, and those answered.
    std::uint64_t probes_sent() const;
    std::uint64_t probes_answered() const;

    void on_hop(const HopResult& hop) override { downstream_->on_hop(hop); }
    void on_vertex(std::uint8_t ttl, const Answer& answer, double rtt_ms) override;
    void on_link(std::uint8_t ttl, const IpAddress& from, const IpAddress& to) override {
        downstream_->on_link(ttl, from, to);
    }
    void on_graph(const MultipathGraph& graph) override { graph_ = graph; }
    void on_end(const TraceSummary& summary) override;

private:
    struct Alternate;
    // An other-address trace ended (or the forward engine did): passes the graph and the end on
    // once all have.
    void pass_on_when_done();

    IpAddress target_;
    std::vector<std::unique_ptr<Alternate>> alternates_;
    SinglePathSettings settings_;
    TraceObserver* downstream_ = nullptr;
    std::optional<MultipathGraph> graph_;
    std::optional<TraceSummary> summary_;
    bool passed_on_ = false;
};

}  // namespace rtt::client
