// SPDX-License-Identifier: MIT
#include "measurement/answer.h"

namespace rtt {

std::string protocol_name(Protocol protocol) {
    switch (protocol) {
    case Protocol::udp: return "udp";
    case Protocol::tcp: return "tcp";
    case Protocol::icmp: return "icmp";
    }
    return "?";
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
