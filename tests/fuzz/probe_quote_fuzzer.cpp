// SPDX-License-Identifier: MIT
// libFuzzer target: the quote in an ICMP error, which any router on the path writes, read as
// probe fields (measurement/path_changes.h) and compared with each probe the client sends
// (UDP, TCP with its MSS option, ICMP; a DNS query; IPv4 and IPv6), then with a second quote
// as the next hop's, as the text, the graph and the JSON do.
#include <cstddef>
#include <cstdint>

#include "../../client/probe/forward_codec.h"
#include "codec.h"
#include "measurement/path_changes.h"

namespace {

using namespace rtt;
using namespace rtt::client;

void compare_with_probes(std::span<const std::uint8_t> quote, const IpAddress& source, const IpAddress& target) {
    const auto seen = read_probe_fields(quote, true);
    if (!seen)
        return;
    for (const Protocol protocol : {Protocol::udp, Protocol::tcp, Protocol::icmp}) {
        ProbeShape shape;
        shape.traffic_class = 46 << 2;
        const ForwardCodec codec(protocol, source, target, 4242, std::nullopt, shape);
        for (const std::uint16_t flow : {std::uint16_t{53}, std::uint16_t{33434}}) {
            const OutgoingProbe probe = codec.encode(1, flow, 7);
            const Bytes packet = wrap_in_ip(probe.ip_protocol, source, target, 1, probe.message, probe.traffic_class,
                                            false, probe.ip_id);
            const auto sent = read_probe_fields(packet, false);
            if (!sent)
                __builtin_trap();  // our own probe must always read back
            const auto changes = path_changes(*sent, *seen);
            const auto again = changes_first_seen(changes, changes);
            if (!again.empty())
                __builtin_trap();  // a hop repeating the last one's changes shows nothing new
            for (const auto& change : changes_first_seen({}, changes))
                (void)path_change_mark(change);
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const IpAddress v4_source = *IpAddress::parse("198.18.1.1");
    static const IpAddress v4_target = *IpAddress::parse("198.18.4.2");
    static const IpAddress v6_source = *IpAddress::parse("2001:db8:1::1");
    static const IpAddress v6_target = *IpAddress::parse("2001:db8:4::2");
    compare_with_probes({data, size}, v4_source, v4_target);
    compare_with_probes({data, size}, v6_source, v6_target);
    return 0;
}
