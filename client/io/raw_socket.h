// SPDX-License-Identifier: MIT
// RAII raw sockets for probing: opening them (with the CAP_NET_RAW message users need when
// that fails), binding them to a source address or interface, attaching socket filters and
// reading packets with their kernel receive timestamps.
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ip_address.h"

namespace rtt::client {

class RawSocket {
public:
    // A raw socket of `protocol` (IPPROTO_RAW for IPv4 sends with our own IP header).
    RawSocket(Family family, int protocol);
    ~RawSocket();
    RawSocket(RawSocket&& other) noexcept;
    RawSocket& operator=(RawSocket&&) = delete;
    RawSocket(const RawSocket&) = delete;

    int fd() const { return fd_; }
    void bind_to(const IpAddress& source);
    void bind_to_interface(const std::string& name);
    void attach_filter(const std::vector<sock_filter>& program);
    void enable_receive_timestamps();
    // IPv6: the traffic class of every packet sent (IPv4 senders write their own header).
    void set_traffic_class(std::uint8_t traffic_class);
    // Every probe leaves as one packet of the size it was built (a packet bigger than the
    // interface's MTU fails with EMSGSIZE, IPv6 is never fragmented), limited by the interface's
    // MTU and not by the path MTU the kernel learnt: path MTU discovery is the client's.
    void send_whole_packets();

    // Sends `packet` to `destination`; IPv6 sends carry the hop limit per packet. Returns the
    // errno of a failed send (0 on success).
    int send(std::span<const std::uint8_t> packet, const IpAddress& destination,
             std::optional<std::uint8_t> hop_limit = std::nullopt);

    struct Received {
        std::size_t length = 0;
        IpAddress source;
        std::int64_t timestamp_ns = 0;  // CLOCK_REALTIME, from the kernel when it gave one
    };
    // Non-blocking read into `buffer`; nullopt when nothing is queued.
    std::optional<Received> receive(std::span<std::uint8_t> buffer);

private:
    Family family_;
    int fd_ = -1;
};

// CLOCK_REALTIME in nanoseconds: the clock of SO_TIMESTAMPNS.
std::int64_t realtime_ns();
// CLOCK_MONOTONIC in nanoseconds: for deadlines.
std::int64_t monotonic_ns();

}  // namespace rtt::client
