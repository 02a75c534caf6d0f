// SPDX-License-Identifier: MIT
// One wire shared by the probers of many traces at once (the prober service, campaigns, the
// simulator's many-trace runs): probes go out through it, and each packet that comes back goes
// only to the probers tracing toward the address it concerns, so an answer costs one lookup, not
// one decode per trace. Traces toward the same address all see its answers, as separate raw
// sockets would; their codecs tell their own apart (probe ids, ICMP identifiers).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "io/packet_wire.h"

namespace rtt::client {

// The address an answer concerns: the destination of the probe an ICMP error quotes, otherwise
// the packet's source (an echo reply, a TCP answer, the reverse server's reply). `packet` is as a
// raw socket gives it: IPv4 with its header, IPv6 without.
std::optional<IpAddress> answer_subject(const ReceivedPacket& packet);

class WireMux {
public:
    explicit WireMux(std::unique_ptr<PacketWire> wire);
    ~WireMux();
    WireMux(const WireMux&) = delete;
    WireMux& operator=(const WireMux&) = delete;

    // A wire for one prober whose probes go to `destination`; it must not outlive the mux.
    std::unique_ptr<PacketWire> endpoint(const IpAddress& destination);

private:
    class Endpoint;
    // Reads everything the shared wire has and hands each packet to its endpoints.
    void pump();

    std::unique_ptr<PacketWire> wire_;
    bool notifies_ = false;  // the shared wire says when packets arrive: pumped then, not polled
    std::map<IpAddress, std::vector<Endpoint*>> by_subject_;
};

}  // namespace rtt::client
