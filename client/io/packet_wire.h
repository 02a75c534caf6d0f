// SPDX-License-Identifier: MIT
// Where the probes' packets go and where the packets answering them come from: raw sockets on
// a real network (io/raw_socket_wire.h), or the simulated network (sim/). The prober, the
// codecs and the engines above it are the same on both.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "probe/probe_codec.h"

namespace rtt::client {

class PacketWire {
public:
    virtual ~PacketWire() = default;
    // Sends one probe from `source` to `destination`. A transient failure (a full device queue)
    // is a lost probe; anything else throws ClientError with one sentence.
    virtual void send(const OutgoingProbe& probe, const IpAddress& source, const IpAddress& destination) = 0;
    // Hands every packet that has arrived to `deliver`, with its arrival time on the clock of
    // send stamps (Clock::realtime_ns).
    using Delivery = std::function<void(const ReceivedPacket& packet, std::int64_t arrival_realtime_ns)>;
    virtual void receive(const Delivery& deliver) = 0;
    // Descriptors that become readable when a packet arrives (none in a simulation).
    virtual std::vector<int> receive_fds() const { return {}; }
    // Whether receive() may have something to hand over: a loop holding many probers services
    // only those with input or with something due. A socket cannot tell without reading: yes.
    virtual bool has_input() { return true; }
    // Calls `notify` whenever a packet arrives for receive(), if this wire can tell (then the
    // loop need not ask has_input()); returns false if it cannot. An empty `notify` stops it.
    virtual bool notify_on_input(const std::function<void()>& notify) {
        (void)notify;
        return false;
    }
};

}  // namespace rtt::client
