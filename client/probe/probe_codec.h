// SPDX-License-Identifier: MIT
// The seam between the engines and the wire: a codec turns (ttl, flow, probe id) into the bytes
// of one probe and recognises the packets that answer it. Forward probes (Paris traceroute)
// and reverse requests to a server are two codecs; the engines never know which one they use.
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bytes.h"
#include "ip_address.h"
#include "measurement/answer.h"

namespace rtt::client {

// The IP protocol number of a probe of `protocol` in `family` (ICMP vs ICMPv6).
std::uint8_t ip_protocol(Protocol protocol, Family family);

// What goes on the wire for one probe: the L4 message and the IP fields around it.
struct OutgoingProbe {
    std::uint8_t ip_protocol = 0;
    std::uint8_t ip_ttl = 0;
    std::uint16_t ip_id = 0;         // IPv4 only
    std::uint8_t traffic_class = 0;  // IPv4 TOS / IPv6 traffic class
    bool dont_fragment = false;      // IPv4 DF (IPv6 probes are never fragmented)
    Bytes message;
};

// A packet as a receive socket delivers it. IPv4 raw sockets include the IP header, IPv6 raw
// sockets do not, so `source` comes from the socket address.
struct ReceivedPacket {
    std::span<const std::uint8_t> bytes;
    IpAddress source;
    std::uint8_t socket_protocol = 0;  // the protocol the receiving raw socket was opened for
};

class ProbeCodec {
public:
    virtual ~ProbeCodec() = default;

    virtual Family family() const = 0;
    // Where probes are sent (the target) and from where.
    virtual const IpAddress& destination() const = 0;
    virtual const IpAddress& source() const = 0;
    // The address whose answer means the probe reached the end of this direction.
    virtual const IpAddress& end_of_path() const = 0;
    virtual OutgoingProbe encode(std::uint8_t ttl, std::uint16_t flow, std::uint16_t id) const = 0;
    // The probe made `size` bytes long (IP header included) with DF set, for path MTU
    // discovery; a codec whose probes cannot change size sends its usual one.
    virtual OutgoingProbe encode_sized(std::uint8_t ttl, std::uint16_t flow, std::uint16_t id, std::size_t size) const {
        (void)size;
        return encode(ttl, flow, id);
    }
    virtual std::optional<Answer> decode(const ReceivedPacket& packet) const = 0;
    // When an answer means the trace cannot go on (a reverse target without a server, or a
    // server refusing), the sentence saying why; the engines stop on it without knowing why.
    virtual std::optional<std::string> refusal(const Answer&) const { return std::nullopt; }
    // The raw socket protocols whose packets may carry answers.
    virtual std::span<const std::uint8_t> answer_protocols() const = 0;
    // A classic BPF program for the receive socket of `protocol` that lets through only packets
    // decode() may accept, so unrelated traffic never wakes the process.
    virtual std::vector<struct sock_filter> receive_filter(std::uint8_t protocol) const = 0;
};

}  // namespace rtt::client
