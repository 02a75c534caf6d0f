// SPDX-License-Identifier: MIT
#include "probe_codec.h"

#include "codec.h"

extern "C" {
#include "protocol.h"
}

namespace rtt::client {

std::uint8_t ip_protocol(Protocol protocol, Family family) {
    switch (protocol) {
    case Protocol::udp: return RTT_IPPROTO_UDP;
    case Protocol::tcp: return RTT_IPPROTO_TCP;
    case Protocol::icmp: break;
    }
    return icmp_protocol(family);
}

}  // namespace rtt::client
