// SPDX-License-Identifier: MIT
#include "endpoints.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "client_error.h"
#include "net/socket_address.h"

namespace rtt::client {
namespace {

std::string family_name(Family family) {
    return family == Family::v4 ? "IPv4" : "IPv6";
}

class UdpSocket {
public:
    explicit UdpSocket(Family family)
        : fd_(::socket(family == Family::v4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
        if (fd_ < 0)
            throw ClientError(fmt::format("cannot open a UDP socket: {}", std::strerror(errno)));
    }
    ~UdpSocket() { ::close(fd_); }
    UdpSocket(const UdpSocket&) = delete;
    UdpSocket& operator=(const UdpSocket&) = delete;
    int fd() const { return fd_; }

private:
    int fd_;
};

}  // namespace

IpAddress resolve_target(const std::string& target, std::optional<Family> family) {
    if (const auto literal = IpAddress::parse(target)) {
        if (family && literal->family() != *family)
            throw ClientError(fmt::format("{} is an {} address but {} was asked for: drop -{} or give an {} target",
                                          target, family_name(literal->family()), family_name(*family),
                                          *family == Family::v4 ? '4' : '6', family_name(*family)));
        return *literal;
    }
    addrinfo hints{};
    hints.ai_family = !family ? AF_UNSPEC : (*family == Family::v4 ? AF_INET : AF_INET6);
    hints.ai_socktype = SOCK_DGRAM;
    addrinfo* results = nullptr;
    const int error = getaddrinfo(target.c_str(), nullptr, &hints, &results);
    if (error != 0 || results == nullptr)
        throw ClientError(
            fmt::format("cannot resolve '{}': {}; check the name or give an address", target, gai_strerror(error)));
    const IpAddress address = from_sockaddr(results->ai_addr);
    freeaddrinfo(results);
    return address;
}

IpAddress choose_source(const IpAddress& target, const std::string& requested, const std::string& interface) {
    UdpSocket socket(target.family());
    if (!interface.empty()) {
        if (if_nametoindex(interface.c_str()) == 0)
            throw ClientError(
                fmt::format("there is no interface named '{}': check the name with `ip link`", interface));
        if (setsockopt(socket.fd(), SOL_SOCKET, SO_BINDTODEVICE, interface.c_str(),
                       static_cast<socklen_t>(interface.size())) != 0)
            throw ClientError(fmt::format("cannot bind to interface '{}': {}", interface, std::strerror(errno)));
    }
    if (!requested.empty()) {
        const auto source = IpAddress::parse(requested);
        if (!source)
            throw ClientError(
                fmt::format("source '{}' is not an IP address: give one of this host's addresses", requested));
        if (source->family() != target.family())
            throw ClientError(fmt::format("source {} is {} but the target is {}: give a source of the target's family",
                                          requested, family_name(source->family()), family_name(target.family())));
        socklen_t length = 0;
        const auto address = to_sockaddr(*source, 0, length);
        if (::bind(socket.fd(), reinterpret_cast<const sockaddr*>(&address), length) != 0)
            throw ClientError(fmt::format("cannot use source {}: {}; give one of this host's addresses", requested,
                                          std::strerror(errno)));
    }
    // Connecting a UDP socket sends nothing; it only asks the routing table.
    socklen_t length = 0;
    const auto destination = to_sockaddr(target, 33434, length);
    if (::connect(socket.fd(), reinterpret_cast<const sockaddr*>(&destination), length) != 0)
        throw ClientError(
            fmt::format("no route to {}: {}; check `ip route`", target.to_string(), std::strerror(errno)));
    sockaddr_storage local{};
    socklen_t local_length = sizeof local;
    getsockname(socket.fd(), reinterpret_cast<sockaddr*>(&local), &local_length);
    return from_sockaddr(reinterpret_cast<const sockaddr*>(&local));
}

std::optional<int> route_mtu(const IpAddress& source, const IpAddress& target, const std::string& interface) {
    UdpSocket socket(target.family());
    if (!interface.empty())
        setsockopt(socket.fd(), SOL_SOCKET, SO_BINDTODEVICE, interface.c_str(),
                   static_cast<socklen_t>(interface.size()));
    socklen_t length = 0;
    const auto local = to_sockaddr(source, 0, length);
    if (::bind(socket.fd(), reinterpret_cast<const sockaddr*>(&local), length) != 0)
        return std::nullopt;
    const auto destination = to_sockaddr(target, 33434, length);
    if (::connect(socket.fd(), reinterpret_cast<const sockaddr*>(&destination), length) != 0)
        return std::nullopt;
    int mtu = 0;
    socklen_t size = sizeof mtu;
    const bool v4 = target.family() == Family::v4;
    if (getsockopt(socket.fd(), v4 ? IPPROTO_IP : IPPROTO_IPV6, v4 ? IP_MTU : IPV6_MTU, &mtu, &size) != 0 || mtu <= 0)
        return std::nullopt;
    return mtu;
}

std::optional<int> interface_mtu(const IpAddress& source, const std::string& interface) {
    std::string name = interface;
    if (name.empty()) {
        ifaddrs* list = nullptr;
        if (getifaddrs(&list) != 0)
            return std::nullopt;
        for (const ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next)
            if (entry->ifa_addr != nullptr &&
                (entry->ifa_addr->sa_family == AF_INET || entry->ifa_addr->sa_family == AF_INET6) &&
                from_sockaddr(entry->ifa_addr) == source) {
                name = entry->ifa_name;
                break;
            }
        freeifaddrs(list);
    }
    if (name.empty() || name.size() >= IFNAMSIZ)
        return std::nullopt;
    UdpSocket socket(source.family());
    ifreq request{};
    std::memcpy(request.ifr_name, name.c_str(), name.size());
    if (ioctl(socket.fd(), SIOCGIFMTU, &request) != 0 || request.ifr_mtu <= 0)
        return std::nullopt;
    return request.ifr_mtu;
}

}  // namespace rtt::client
