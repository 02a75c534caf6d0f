// SPDX-License-Identifier: MIT
// What an engine reports about one direction: hops in TTL order as they become known (single
// path) or the graph (multipath), then how the trace ended. Renderers (text, JSON) consume these and nothing else.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "measurement/answer.h"
#include "measurement/multipath_graph.h"
#include "measurement/path_mtu.h"

namespace rtt {

// One probe's fate: an answer with its RTT, or silence.
struct HopReply {
    std::optional<Answer> answer;
    double rtt_ms = 0;
};

struct HopResult {
    std::uint8_t ttl = 0;
    std::uint16_t flow = 0;
    std::vector<HopReply> replies;  // one per probe slot: its last attempt's fate
    std::uint32_t sent = 0;         // every attempt, retries included (0: one per reply)
    std::uint32_t size = 0;         // --mtu: the probe size in bytes that reached this hop

    bool silent() const {
        return std::none_of(replies.begin(), replies.end(), [](const HopReply& r) { return r.answer.has_value(); });
    }
};

enum class TraceEnd {
    reached,      // the end of the path answered
    unreachable,  // a router said the destination cannot be reached
    no_reply,     // --abort consecutive silent hops
    max_ttl,      // ran out of TTLs
    failed,       // the server refused, or the target runs none
    interrupted,  // stopped before its end: Ctrl-C, SIGTERM or --deadline; what it found is kept
};

// The stored measurement's word for an end ("reached", "no_reply", ...).
const char* trace_end_name(TraceEnd end);

struct TraceSummary {
    TraceEnd end = TraceEnd::max_ttl;
    std::optional<Answer> final_answer;  // the answer that ended it (reached / unreachable)
    std::string failure;                 // failed: the sentence for the user
    std::uint64_t probes_sent = 0;
    std::uint64_t probes_answered = 0;
    std::optional<PathMtu> path_mtu = std::nullopt;  // --mtu
};

class TraceObserver {
public:
    virtual ~TraceObserver() = default;
    virtual void on_hop(const HopResult& hop) = 0;
    // Multipath: an address answering at a TTL for the first time, as it is found (for a
    // program that shows progress; the graph at the end is the result).
    virtual void on_vertex(std::uint8_t ttl, const Answer& answer, double rtt_ms) {
        (void)ttl, (void)answer, (void)rtt_ms;
    }
    // Multipath: a link seen as it is found: one flow answered by `from` at `ttl` (this host
    // or the server, the path's root, at TTL 0) and by `to` at `ttl` + 1. The graph at the end
    // is the result (it also holds links through silent hops).
    virtual void on_link(std::uint8_t ttl, const IpAddress& from, const IpAddress& to) {
        (void)ttl, (void)from, (void)to;
    }
    // Multipath: the graph, once, just before on_end.
    virtual void on_graph(const MultipathGraph&) {}
    virtual void on_end(const TraceSummary& summary) = 0;
};

}  // namespace rtt
