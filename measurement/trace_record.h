// SPDX-License-Identifier: MIT
// Keeps what an engine reported about one direction, for the renderers that need the whole
// trace at the end (JSON), and fans reports out to several observers.
#pragma once

#include <vector>

#include "measurement/trace_result.h"

namespace rtt {

struct TraceRecord final : TraceObserver {
    std::vector<HopResult> hops;
    std::optional<MultipathGraph> graph;
    std::optional<TraceSummary> summary;

    // Rounds over the same flow report a TTL again: its replies join the first report of it.
    void on_hop(const HopResult& hop) override {
        for (auto& known : hops)
            if (known.ttl == hop.ttl && known.flow == hop.flow) {
                known.replies.insert(known.replies.end(), hop.replies.begin(), hop.replies.end());
                known.sent += hop.sent;
                return;
            }
        hops.push_back(hop);
    }
    void on_graph(const MultipathGraph& g) override { graph = g; }
    void on_end(const TraceSummary& s) override { summary = s; }
};

class ObserverFanOut final : public TraceObserver {
public:
    explicit ObserverFanOut(std::vector<TraceObserver*> observers) : observers_(std::move(observers)) {}
    void on_hop(const HopResult& hop) override {
        for (auto* o : observers_)
            o->on_hop(hop);
    }
    void on_vertex(std::uint8_t ttl, const Answer& answer, double rtt_ms) override {
        for (auto* o : observers_)
            o->on_vertex(ttl, answer, rtt_ms);
    }
    void on_link(std::uint8_t ttl, const IpAddress& from, const IpAddress& to) override {
        for (auto* o : observers_)
            o->on_link(ttl, from, to);
    }
    void on_graph(const MultipathGraph& graph) override {
        for (auto* o : observers_)
            o->on_graph(graph);
    }
    void on_end(const TraceSummary& summary) override {
        for (auto* o : observers_)
            o->on_end(summary);
    }

private:
    std::vector<TraceObserver*> observers_;
};

}  // namespace rtt
