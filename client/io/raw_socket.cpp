// SPDX-License-Identifier: MIT
#include "raw_socket.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "client_error.h"
#include "net/socket_address.h"

namespace rtt::client {
namespace {

// IPV6_AUTOFLOWLABEL of <linux/in6.h>, which cannot be included beside <netinet/in.h>.
constexpr int kIpv6AutoFlowLabel = 70;

std::int64_t clock_ns(clockid_t clock) {
    timespec ts{};
    clock_gettime(clock, &ts);
    return std::int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace

std::int64_t realtime_ns() {
    return clock_ns(CLOCK_REALTIME);
}
std::int64_t monotonic_ns() {
    return clock_ns(CLOCK_MONOTONIC);
}

RawSocket::RawSocket(Family family, int protocol) : family_(family) {
    fd_ = ::socket(family == Family::v4 ? AF_INET : AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
    if (fd_ < 0) {
        if (errno == EPERM || errno == EACCES)
            throw ClientError(
                "opening a raw socket needs CAP_NET_RAW: run reverse-traceroute as root or grant it "
                "with `setcap cap_net_raw+ep $(command -v reverse-traceroute)`");
        throw ClientError(fmt::format("cannot open a raw socket: {}", std::strerror(errno)));
    }
    // Bursts of answers (a whole trace in flight) must not overflow the queue.
    const int buffer = 1 << 20;
    setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
    // Flow label 0, as the deployed client sends: an automatic label's hash travels with a
    // reverse request, and a server that redirects it without clearing the hash makes routers
    // send every flow of the reverse trace the same way.
    if (family == Family::v6) {
        const int automatic_flow_label = 0;
        setsockopt(fd_, IPPROTO_IPV6, kIpv6AutoFlowLabel, &automatic_flow_label, sizeof automatic_flow_label);
    }
}

RawSocket::~RawSocket() {
    if (fd_ >= 0)
        ::close(fd_);
}

RawSocket::RawSocket(RawSocket&& other) noexcept : family_(other.family_), fd_(other.fd_) {
    other.fd_ = -1;
}

void RawSocket::bind_to(const IpAddress& source) {
    socklen_t length = 0;
    const auto address = to_sockaddr(source, 0, length);
    if (::bind(fd_, reinterpret_cast<const sockaddr*>(&address), length) != 0)
        throw ClientError(fmt::format("cannot use source address {}: {}; give one of this host's addresses",
                                      source.to_string(), std::strerror(errno)));
}

void RawSocket::bind_to_interface(const std::string& name) {
    if (setsockopt(fd_, SOL_SOCKET, SO_BINDTODEVICE, name.c_str(), static_cast<socklen_t>(name.size())) != 0)
        throw ClientError(fmt::format("cannot bind to interface '{}': {}; check the name with `ip link`", name,
                                      std::strerror(errno)));
}

void RawSocket::attach_filter(const std::vector<sock_filter>& program) {
    sock_fprog fprog{static_cast<unsigned short>(program.size()), const_cast<sock_filter*>(program.data())};
    if (setsockopt(fd_, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof fprog) != 0)
        throw ClientError(fmt::format("cannot attach a socket filter: {}", std::strerror(errno)));
}

void RawSocket::set_traffic_class(std::uint8_t traffic_class) {
    const int value = traffic_class;
    if (setsockopt(fd_, IPPROTO_IPV6, IPV6_TCLASS, &value, sizeof value) != 0)
        throw ClientError(fmt::format("cannot set the traffic class {}: {}", value, std::strerror(errno)));
}

void RawSocket::send_whole_packets() {
    // PMTUDISC_PROBE: the interface's MTU limits a send, not the path MTU the kernel learnt.
    bool ok = false;
    if (family_ == Family::v4) {
        const int probe = IP_PMTUDISC_PROBE;
        ok = setsockopt(fd_, IPPROTO_IP, IP_MTU_DISCOVER, &probe, sizeof probe) == 0;
    } else {
        const int on = 1, probe = IPV6_PMTUDISC_PROBE;
        ok = setsockopt(fd_, IPPROTO_IPV6, IPV6_DONTFRAG, &on, sizeof on) == 0 &&
             setsockopt(fd_, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &probe, sizeof probe) == 0;
    }
    if (!ok)
        throw ClientError(fmt::format("cannot set up the probe socket's fragmentation: {}", std::strerror(errno)));
}

void RawSocket::enable_receive_timestamps() {
    const int on = 1;
    setsockopt(fd_, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
}

int RawSocket::send(std::span<const std::uint8_t> packet, const IpAddress& destination,
                    std::optional<std::uint8_t> hop_limit) {
    socklen_t length = 0;
    auto address = to_sockaddr(destination, 0, length);
    iovec iov{const_cast<std::uint8_t*>(packet.data()), packet.size()};
    msghdr msg{};
    msg.msg_name = &address;
    msg.msg_namelen = length;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    if (family_ == Family::v6 && hop_limit) {
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
        cmsg->cmsg_level = IPPROTO_IPV6;
        cmsg->cmsg_type = IPV6_HOPLIMIT;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int));
        const int value = *hop_limit;
        std::memcpy(CMSG_DATA(cmsg), &value, sizeof value);
    }
    return ::sendmsg(fd_, &msg, 0) < 0 ? errno : 0;
}

std::optional<RawSocket::Received> RawSocket::receive(std::span<std::uint8_t> buffer) {
    sockaddr_storage from{};
    iovec iov{buffer.data(), buffer.size()};
    alignas(cmsghdr) char control[256];
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t n = ::recvmsg(fd_, &msg, MSG_DONTWAIT);
    if (n < 0)
        return std::nullopt;
    Received received{static_cast<std::size_t>(n), from_sockaddr(reinterpret_cast<const sockaddr*>(&from)), 0};
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
            timespec ts{};
            std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
            received.timestamp_ns = std::int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
        }
    }
    if (received.timestamp_ns == 0)
        received.timestamp_ns = realtime_ns();
    return received;
}

}  // namespace rtt::client
