#include "probe_codec.h"

#include "codec.h"

extern "C" {
#include "protocol.h"
}

namespace rtt::client {

std::string protocol_name(Protocol protocol) {
    switch (protocol) {
    case Protocol::udp:
        return "udp";
    case Protocol::tcp:
        return "tcp";
    case Protocol::icmp:
        return "icmp";
    }
    return "?";
}

std::uint8_t ip_protocol(Protocol protocol, Family family) {
    switch (protocol) {
    case Protocol::udp:
        return RTT_IPPROTO_UDP;
    case Protocol::tcp:
        return RTT_IPPROTO_TCP;
    case Protocol::icmp:
        break;
    }
    return icmp_protocol(family);
}

bool ends_path(const Answer& answer, const IpAddress& end_of_path) {
    switch (answer.kind) {
    case AnswerKind::unreachable:
    case AnswerKind::echo_reply:
    case AnswerKind::tcp_syn_ack:
    case AnswerKind::tcp_reset:
        return true;
    default:
        return answer.responder == end_of_path;
    }
}

}  // namespace rtt::client
