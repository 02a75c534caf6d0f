// SPDX-License-Identifier: MIT
// Packets that arrived for a wire that is not a socket (the simulated network's, a share of a
// WireMux) and wait for its receive(); whoever wants to know is told when one arrives.
#pragma once

#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "io/packet_wire.h"

namespace rtt::client {

class PacketQueue {
public:
    void push(Bytes bytes, const IpAddress& source, std::uint8_t protocol, std::int64_t arrival_realtime_ns) {
        packets_.push_back({std::move(bytes), source, protocol, arrival_realtime_ns});
        if (notify_)
            notify_();
    }
    // Hands every queued packet to `deliver`, oldest first. Moved out first: delivering may make
    // the prober send, and sending may bring new packets.
    void deliver_all(const PacketWire::Delivery& deliver) {
        auto arrived = std::move(packets_);
        packets_.clear();
        for (const Queued& packet : arrived)
            deliver(ReceivedPacket{packet.bytes, packet.source, packet.protocol}, packet.arrival_realtime_ns);
    }
    bool empty() const { return packets_.empty(); }
    // Called on every push from now on (an empty function: no more).
    void notify_with(const std::function<void()>& notify) { notify_ = notify; }

private:
    struct Queued {
        Bytes bytes;
        IpAddress source;
        std::uint8_t protocol = 0;
        std::int64_t arrival_realtime_ns = 0;
    };
    std::vector<Queued> packets_;
    std::function<void()> notify_;
};

}  // namespace rtt::client
