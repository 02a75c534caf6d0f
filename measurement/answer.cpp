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

std::string unreachable_annotation(Family family, std::uint8_t code) {
    if (family == Family::v4) {
        switch (code) {
        case 0: return "!N";
        case 1: return "!H";
        case 2: return "!P";
        case 3: return "";
        case 4: return "!F";
        case 5: return "!S";
        case 9:
        case 10:
        case 13: return "!X";
        default: return fmt::format("!<{}>", code);
        }
    }
    switch (code) {
    case 0: return "!N";
    case 1:
    case 5:
    case 6: return "!X";
    case 3: return "!H";
    case 4: return "";
    default: return fmt::format("!<{}>", code);
    }
}

std::string unreachable_reason(Family family, std::uint8_t code) {
    const std::string a = unreachable_annotation(family, code);
    if (a == "!N")
        return "network unreachable (!N)";
    if (a == "!H")
        return "host unreachable (!H)";
    if (a == "!P")
        return "protocol unreachable (!P)";
    if (a == "!X")
        return "communication administratively prohibited (!X)";
    if (a == "!F")
        return "fragmentation needed (!F)";
    if (a == "!S")
        return "source route failed (!S)";
    if (a.empty())
        return "port unreachable";
    return fmt::format("unreachable, code {} ({})", code, a);
}

bool ends_path(const Answer& answer, const IpAddress& end_of_path) {
    switch (answer.kind) {
    case AnswerKind::unreachable:
    case AnswerKind::echo_reply:
    case AnswerKind::tcp_syn_ack:
    case AnswerKind::tcp_reset:
    case AnswerKind::dns_reply:
    case AnswerKind::packet_too_big: return true;
    default: return answer.responder == end_of_path;
    }
}

}  // namespace rtt
