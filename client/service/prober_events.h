// SPDX-License-Identifier: MIT
// The prober service's event lines (docs/prober.md): JSON objects carrying "v" and "event",
// written as a trace makes progress. One direction's engine reports through a
// DirectionEvents observer; the service writes the rest.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "measurement/trace_direction.h"
#include "measurement/trace_result.h"

namespace rtt::client {

// {"v":1,"event":NAME,"id":ID} to which the caller adds its fields.
nlohmann::json event(const char* name, const std::string& id);

// One hop of a single path trace as the events give it: {ttl, flow, replies: [{address,
// rtt_ms, kind[, code]} or null for silence]}.
nlohmann::json hop_json(const HopResult& hop);

// Writes "hop" (single path), "vertex" (multipath: an address answering at a TTL for the first
// time), "link" (multipath: two addresses one flow met at consecutive TTLs) and "end" events of one direction of trace
// `id`; in rounds (-c), each carries the number of the round it belongs to.
class DirectionEvents final : public TraceObserver {
public:
    using Write = std::function<void(const nlohmann::json&)>;
    DirectionEvents(std::string id, TraceDirection direction, Write write);
    void set_round(int round) { round_ = round; }
    void on_hop(const HopResult& hop) override;
    void on_vertex(std::uint8_t ttl, const Answer& answer, double rtt_ms) override;
    void on_link(std::uint8_t ttl, const IpAddress& from, const IpAddress& to) override;
    void on_end(const TraceSummary& summary) override;

private:
    std::string id_;
    TraceDirection direction_;
    Write write_;
    int round_ = 0;  // 0: not in rounds

    nlohmann::json direction_event(const char* name) const;
};

}  // namespace rtt::client
