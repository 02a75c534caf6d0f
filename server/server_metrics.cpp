// SPDX-License-Identifier: MIT
#include "server_metrics.h"

#include <map>
#include <vector>

#include "counters.h"
#include "prometheus_text.h"
#include "rtt_version.h"

namespace rtt::server {
namespace {

// Where each BPF counter goes: a family and, for families that split by reason or protocol,
// the label.
struct CounterPlace {
    rtt_counter counter;
    const char* family;
    const char* label;  // "reason" or "protocol", or nullptr
    const char* value;
};

constexpr CounterPlace kPlaces[] = {
    {RTT_CNT_REQUESTS, "rtt_server_requests_total", nullptr, nullptr},
    {RTT_CNT_PROBES_ICMP, "rtt_server_probes_total", "protocol", "icmp"},
    {RTT_CNT_PROBES_TCP, "rtt_server_probes_total", "protocol", "tcp"},
    {RTT_CNT_PROBES_UDP, "rtt_server_probes_total", "protocol", "udp"},
    {RTT_CNT_ANSWERS, "rtt_server_answers_total", nullptr, nullptr},
    {RTT_CNT_TIMEOUTS, "rtt_server_session_timeouts_total", nullptr, nullptr},
    {RTT_CNT_STATE_ERRORS, "rtt_server_error_responses_total", nullptr, nullptr},
    {RTT_CNT_TABLE_FULL, "rtt_server_requests_refused_total", "reason", "table_full"},
    {RTT_CNT_SOURCE_SHARE, "rtt_server_requests_refused_total", "reason", "source_share_full"},
    {RTT_CNT_UNPADDED, "rtt_server_requests_refused_total", "reason", "unpadded"},
    {RTT_CNT_EXTENSIONS, "rtt_server_requests_refused_total", "reason", "extension"},
    {RTT_CNT_DUPLICATES, "rtt_server_requests_dropped_total", "reason", "duplicate"},
    {RTT_CNT_RATE_LIMITED, "rtt_server_requests_dropped_total", "reason", "rate_limited"},
    {RTT_CNT_NOT_ALLOWED, "rtt_server_requests_dropped_total", "reason", "not_allowed"},
    {RTT_CNT_MALFORMED, "rtt_server_requests_dropped_total", "reason", "malformed"},
    {RTT_CNT_BAD_CHECKSUM, "rtt_server_requests_dropped_total", "reason", "bad_checksum"},
    {RTT_CNT_UNMATCHED, "rtt_server_unmatched_answers_total", nullptr, nullptr},
    {RTT_CNT_SEND_FAILED, "rtt_server_send_failures_total", nullptr, nullptr},
    {RTT_CNT_PASSED, "rtt_server_passed_packets_total", nullptr, nullptr},
};
static_assert(std::size(kPlaces) == RTT_CNT_MAX, "every counter has its place");

const std::map<std::string, const char*> kHelp = {
    {"rtt_server_requests_total", "Reverse traceroute requests addressed to this host."},
    {"rtt_server_probes_total", "Probes sent toward requesters, by protocol."},
    {"rtt_server_answers_total", "Answers matched to a session and sent back as responses."},
    {"rtt_server_session_timeouts_total", "Sessions that expired without an answer."},
    {"rtt_server_error_responses_total", "Error responses sent (a bad TTL or protocol in the request)."},
    {"rtt_server_requests_refused_total", "Requests answered with a refusal, by reason."},
    {"rtt_server_requests_dropped_total", "Requests dropped without an answer, by reason."},
    {"rtt_server_unmatched_answers_total", "Packets carrying our marker that matched no session (dropped)."},
    {"rtt_server_send_failures_total", "Packets that could not be rewritten or redirected (dropped)."},
    {"rtt_server_passed_packets_total", "Packets that were not ours, passed on untouched."},
};

}  // namespace

std::string server_metrics_text(const Counters& counters, const TableOccupancy& tables, const ServerConfig& config) {
    PrometheusText out;
    out.family("rtt_server_info", "gauge", "The server's version, interface and families (always 1).");
    out.sample({{"version", RTT_VERSION_STRING},
                {"interface", config.interface},
                {"families", config.ipv4 && config.ipv6 ? "ipv4,ipv6"
                             : config.ipv4              ? "ipv4"
                                                        : "ipv6"}},
               1);
    std::string current;
    for (const auto& place : kPlaces) {
        if (current != place.family) {
            // kPlaces keeps each family's counters together, so each family starts once.
            current = place.family;
            out.family(current, "counter", kHelp.at(current));
        }
        const double value = static_cast<double>(counters[place.counter]);
        if (place.label)
            out.sample({{place.label, place.value}}, value);
        else
            out.sample(value);
    }
    out.family("rtt_server_sessions", "gauge", "Probes pending an answer now, by the requester's family.");
    out.sample({{"family", "ipv4"}}, static_cast<double>(tables.sessions_v4));
    out.sample({{"family", "ipv6"}}, static_cast<double>(tables.sessions_v6));
    out.family("rtt_server_session_capacity", "gauge", "Size of the session table (--max-sessions).");
    out.sample(static_cast<double>(tables.session_capacity));
    out.family("rtt_server_sources", "gauge",
               "Sources (IPv6: /64 prefixes) with a rate bucket now, by family (least recently used go first).");
    out.sample({{"family", "ipv4"}}, static_cast<double>(tables.sources_v4));
    out.sample({{"family", "ipv6"}}, static_cast<double>(tables.sources_v6));
    out.family("rtt_server_source_capacity", "gauge", "Size of the per-source bucket table.");
    out.sample(static_cast<double>(tables.source_capacity));
    out.family("rtt_server_session_timeout_seconds", "gauge", "How long a session waits for its answer (-t).");
    out.sample(static_cast<double>(config.timeout_ns) / 1e9);
    return out.text();
}

}  // namespace rtt::server
