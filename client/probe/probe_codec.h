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

namespace rtt::client {

enum class Protocol { udp, tcp, icmp };

std::string protocol_name(Protocol protocol);
// The IP protocol number of a probe of `protocol` in `family` (ICMP vs ICMPv6).
std::uint8_t ip_protocol(Protocol protocol, Family family);

// What goes on the wire for one probe: the L4 message and the IP fields around it.
struct OutgoingProbe {
    std::uint8_t ip_protocol = 0;
    std::uint8_t ip_ttl = 0;
    std::uint16_t ip_id = 0;  // IPv4 only
    Bytes message;
};

enum class AnswerKind {
    time_exceeded,   // a router on the way
    unreachable,     // ICMP destination unreachable; `icmp_code` says why
    echo_reply,      // ICMP probe answered by the destination
    tcp_syn_ack,     // TCP port open
    tcp_reset,       // TCP port closed
    server_hop,      // reverse: the server reports the router that answered its probe
    server_refused,  // reverse: the server answered with an error state
    not_a_server,    // reverse: the target answered the request like a plain ping
};

// One packet recognised as the answer to the probe `probe_id`.
struct Answer {
    std::uint16_t probe_id = 0;
    AnswerKind kind = AnswerKind::time_exceeded;
    IpAddress responder;
    std::uint8_t icmp_code = 0;
    std::uint8_t server_state = 0;        // server_refused only
    std::optional<std::uint64_t> rtt_ns;  // set when the answer carries its own RTT (reverse)
    std::optional<std::uint16_t> flow;    // the flow the answer says it belongs to, if it says
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
    virtual std::optional<Answer> decode(const ReceivedPacket& packet) const = 0;
    // The raw socket protocols whose packets may carry answers.
    virtual std::span<const std::uint8_t> answer_protocols() const = 0;
    // A classic BPF program for the receive socket of `protocol` that lets through only packets
    // decode() may accept, so unrelated traffic never wakes the process.
    virtual std::vector<struct sock_filter> receive_filter(std::uint8_t protocol) const = 0;
};

// True when this answer ends the path (destination reached or declared unreachable).
bool ends_path(const Answer& answer, const IpAddress& end_of_path);

}  // namespace rtt::client
