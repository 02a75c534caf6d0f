// SPDX-License-Identifier: MIT
// The real network: probes leave through a raw socket, answers arrive on raw sockets whose
// socket filters (the codec's) let through only what may answer a probe, with kernel receive
// timestamps.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "io/packet_wire.h"
#include "io/raw_socket.h"

namespace rtt::client {

class RawSocketWire final : public PacketWire {
public:
    // Sockets for `codec`'s family, source and answer protocols; bound to `interface` if given.
    RawSocketWire(const ProbeCodec& codec, const std::string& interface);

    void send(const OutgoingProbe& probe, const IpAddress& source, const IpAddress& destination) override;
    void receive(const Delivery& deliver) override;
    std::vector<int> receive_fds() const override;

private:
    Family family_;
    RawSocket send_socket_;
    std::vector<std::pair<std::uint8_t, RawSocket>> receive_sockets_;
};

}  // namespace rtt::client
