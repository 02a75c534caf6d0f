// SPDX-License-Identifier: MIT
// libFuzzer target: a packet anyone on the path can send to the client's raw sockets, through
// every codec's decode() (forward UDP/TCP/ICMP and reverse, IPv4 and IPv6): the ICMP errors
// whose quotes the codecs read, including the destination-unreachable errors quoting a request;
// and to answer_subject(), which a wire shared by many traces reads before any codec does.
#include <cstddef>
#include <cstdint>

#include "../../client/io/wire_mux.h"
#include "../../client/probe/forward_codec.h"
#include "../../client/probe/reverse_codec.h"

namespace {

using namespace rtt;
using namespace rtt::client;

void decode_with_all(std::span<const std::uint8_t> bytes, const IpAddress& source, const IpAddress& target) {
    for (const Protocol protocol : {Protocol::udp, Protocol::tcp, Protocol::icmp}) {
        const ForwardCodec forward(protocol, source, target, 4242, std::nullopt);
        const ReverseCodec reverse(protocol, source, target);
        for (const std::uint8_t socket : forward.answer_protocols()) {
            (void)forward.decode(ReceivedPacket{bytes, target, socket});
            // Which trace the packet concerns, as the wire shared by many traces asks first.
            (void)answer_subject(ReceivedPacket{bytes, target, socket});
        }
        (void)reverse.decode(ReceivedPacket{bytes, target, reverse.answer_protocols().front()});
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const IpAddress v4_source = *IpAddress::parse("198.18.1.1");
    static const IpAddress v4_target = *IpAddress::parse("198.18.4.2");
    static const IpAddress v6_source = *IpAddress::parse("2001:db8:1::1");
    static const IpAddress v6_target = *IpAddress::parse("2001:db8:4::2");
    decode_with_all({data, size}, v4_source, v4_target);
    decode_with_all({data, size}, v6_source, v6_target);
    return 0;
}
