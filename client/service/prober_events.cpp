// SPDX-License-Identifier: MIT
#include "service/prober_events.h"

#include "service/prober_command.h"

namespace rtt::client {
namespace {

const char* answer_kind_name(AnswerKind kind) {
    switch (kind) {
    case AnswerKind::time_exceeded: return "time_exceeded";
    case AnswerKind::unreachable: return "unreachable";
    case AnswerKind::echo_reply: return "echo_reply";
    case AnswerKind::tcp_syn_ack: return "tcp_syn_ack";
    case AnswerKind::tcp_reset: return "tcp_reset";
    case AnswerKind::dns_reply: return "dns_reply";
    case AnswerKind::packet_too_big: return "packet_too_big";
    case AnswerKind::server_hop: return "server_hop";
    case AnswerKind::server_refused: return "server_refused";
    case AnswerKind::not_a_server: return "not_a_server";
    }
    return "unknown";
}

nlohmann::json answer_json(const Answer& answer, double rtt_ms) {
    nlohmann::json reply{
        {"address", answer.responder.to_string()}, {"rtt_ms", rtt_ms}, {"kind", answer_kind_name(answer.kind)}};
    if (answer.kind == AnswerKind::unreachable)
        reply["code"] = answer.icmp_code;
    return reply;
}

}  // namespace

nlohmann::json event(const char* name, const std::string& id) {
    nlohmann::json line{{"v", kProberProtocolVersion}, {"event", name}};
    if (!id.empty())
        line["id"] = id;
    return line;
}

nlohmann::json hop_json(const HopResult& hop) {
    nlohmann::json replies = nlohmann::json::array();
    for (const auto& reply : hop.replies)
        replies.push_back(reply.answer ? answer_json(*reply.answer, reply.rtt_ms) : nlohmann::json());
    return {{"ttl", hop.ttl}, {"flow", hop.flow}, {"replies", replies}};
}

DirectionEvents::DirectionEvents(std::string id, TraceDirection direction, Write write)
    : id_(std::move(id)), direction_(direction), write_(std::move(write)) {}

nlohmann::json DirectionEvents::direction_event(const char* name) const {
    auto line = event(name, id_);
    line["direction"] = std::string(trace_direction_name(direction_));
    if (round_ > 0)
        line["round"] = round_;
    return line;
}

void DirectionEvents::on_hop(const HopResult& hop) {
    auto line = direction_event("hop");
    line["hop"] = hop_json(hop);
    write_(line);
}

void DirectionEvents::on_vertex(std::uint8_t ttl, const Answer& answer, double rtt_ms) {
    auto line = direction_event("vertex");
    line["ttl"] = ttl;
    line["reply"] = answer_json(answer, rtt_ms);
    write_(line);
}

void DirectionEvents::on_link(std::uint8_t ttl, const IpAddress& from, const IpAddress& to) {
    auto line = direction_event("link");
    line["ttl"] = ttl;
    line["from"] = from.to_string();
    line["to"] = to.to_string();
    write_(line);
}

void DirectionEvents::on_end(const TraceSummary& summary) {
    auto line = direction_event("end");
    line["outcome"] = trace_end_name(summary.end);
    if (!summary.failure.empty())
        line["why"] = summary.failure;
    line["probes_sent"] = summary.probes_sent;
    line["probes_answered"] = summary.probes_answered;
    write_(line);
}

}  // namespace rtt::client
