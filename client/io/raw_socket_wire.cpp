// SPDX-License-Identifier: MIT
#include "raw_socket_wire.h"

#include <netinet/in.h>

#include <array>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "client_error.h"
#include "codec.h"
#include "io/socket_filter.h"

namespace rtt::client {
namespace {

RawSocket open_send_socket(const ProbeCodec& codec, const std::string& interface) {
    // IPv4: our own IP header (IPPROTO_RAW implies IP_HDRINCL) so TTL and IP ID are per probe.
    // IPv6: the kernel writes the header; the hop limit rides in a control message per probe.
    const int protocol = codec.family() == Family::v4 ? int{IPPROTO_RAW} : int{codec.encode(1, 0, 1).ip_protocol};
    RawSocket socket(codec.family(), protocol);
    socket.attach_filter(drop_everything_filter());
    // IPv4 probes carry --tos in their own header; the IPv6 header is the kernel's.
    if (codec.family() == Family::v6)
        socket.set_traffic_class(codec.encode(1, 0, 1).traffic_class);
    socket.send_whole_packets();
    socket.bind_to(codec.source());
    if (!interface.empty())
        socket.bind_to_interface(interface);
    return socket;
}

}  // namespace

RawSocketWire::RawSocketWire(const ProbeCodec& codec, const std::string& interface)
    : family_(codec.family()), send_socket_(open_send_socket(codec, interface)) {
    for (const std::uint8_t protocol : codec.answer_protocols()) {
        RawSocket socket(codec.family(), protocol);
        socket.attach_filter(codec.receive_filter(protocol));
        socket.enable_receive_timestamps();
        if (!interface.empty())
            socket.bind_to_interface(interface);
        receive_sockets_.emplace_back(protocol, std::move(socket));
    }
}

std::vector<int> RawSocketWire::receive_fds() const {
    std::vector<int> fds;
    for (const auto& [protocol, socket] : receive_sockets_)
        fds.push_back(socket.fd());
    return fds;
}

void RawSocketWire::send(const OutgoingProbe& probe, const IpAddress& source, const IpAddress& destination) {
    int error = 0;
    if (family_ == Family::v4) {
        const Bytes packet = wrap_in_ip(probe.ip_protocol, source, destination, probe.ip_ttl, probe.message,
                                        probe.traffic_class, probe.dont_fragment, probe.ip_id);
        error = send_socket_.send(packet, destination);
    } else {
        error = send_socket_.send(probe.message, destination, probe.ip_ttl);
    }
    if (error == EMSGSIZE)
        throw ClientError(fmt::format("probes of {} bytes do not fit the MTU of the route to {}: give a smaller --size",
                                      probe.message.size() + (family_ == Family::v4 ? 20 : 40),
                                      destination.to_string()));
    // A full device queue is transient: the probe simply counts as lost.
    if (error != 0 && error != ENOBUFS && error != EAGAIN)
        throw ClientError(fmt::format("cannot send probes to {}: {}; check the route to it", destination.to_string(),
                                      std::strerror(error)));
}

void RawSocketWire::receive(const Delivery& deliver) {
    std::array<std::uint8_t, 2048> buffer;
    for (auto& [protocol, socket] : receive_sockets_)
        while (const auto received = socket.receive(buffer))
            deliver(ReceivedPacket{std::span(buffer).first(received->length), received->source, protocol},
                    received->timestamp_ns);
}

}  // namespace rtt::client
