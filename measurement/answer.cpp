// SPDX-License-Identifier: MIT
#include "measurement/answer.h"

#include <fmt/format.h>

namespace rtt {

std::string protocol_name(Protocol protocol) {
    switch (protocol) {
    case Protocol::udp: return "udp";
    case Protocol::tcp: return "tcp";
    case Protocol::icmp: return "icmp";
    }
    return "?";
}

std::string mpls_text(const MplsStack& stack) {
    std::string text;
    for (const auto& entry : stack)
        text += (text.empty() ? "MPLS " : ", ") +
                fmt::format("L={} TC={} S={} TTL={}", entry.label, entry.tc, entry.bottom ? 1 : 0, entry.ttl);
    return text;
}

bool ends_path(const Answer& answer, const IpAddress& end_of_path) {
    switch (answer.kind) {
    case AnswerKind::unreachable:
    case AnswerKind::echo_reply:
    case AnswerKind::tcp_syn_ack:
    case AnswerKind::tcp_reset: return true;
    default: return answer.responder == end_of_path;
    }
}

}  // namespace rtt
