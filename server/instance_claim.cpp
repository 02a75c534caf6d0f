// SPDX-License-Identifier: MIT
#include "instance_claim.h"

#include <fmt/format.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "server_error.h"

namespace rtt::server {

std::optional<InstanceClaim> InstanceClaim::take(int ifindex, std::uint32_t priority) {
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        throw ServerError(fmt::format("cannot open a UNIX socket to claim the interface: {}", std::strerror(errno)));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    // Abstract namespace: sun_path starts with a zero byte, and the name is the bytes after it.
    const std::string name = fmt::format("reverse-traceroute-server/{}/{:#x}", ifindex, priority);
    std::memcpy(address.sun_path + 1, name.data(), name.size());
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), length) == 0)
        return InstanceClaim(fd);
    const int error = errno;
    ::close(fd);
    if (error == EADDRINUSE)
        return std::nullopt;
    throw ServerError(fmt::format("cannot claim the interface: {}", std::strerror(error)));
}

InstanceClaim::InstanceClaim(InstanceClaim&& other) noexcept : fd_(other.fd_) {
    other.fd_ = -1;
}

InstanceClaim& InstanceClaim::operator=(InstanceClaim&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
}

InstanceClaim::~InstanceClaim() {
    if (fd_ >= 0)
        ::close(fd_);
}

}  // namespace rtt::server
