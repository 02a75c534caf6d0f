// SPDX-License-Identifier: MIT
// Who serves an interface: a running server claims (interface, filter priority) by binding an
// abstract UNIX socket address. The kernel frees the address when the process ends, kill -9
// included, and abstract addresses belong to a network namespace, as interfaces do. So a filter
// of ours without a claim was left by a killed instance, and a held claim means a live one.
#pragma once

#include <cstdint>
#include <optional>

namespace rtt::server {

class InstanceClaim {
public:
    // The claim, or nullopt when a live instance holds it.
    static std::optional<InstanceClaim> take(int ifindex, std::uint32_t priority);

    InstanceClaim(InstanceClaim&& other) noexcept;
    InstanceClaim& operator=(InstanceClaim&& other) noexcept;
    InstanceClaim(const InstanceClaim&) = delete;
    InstanceClaim& operator=(const InstanceClaim&) = delete;
    ~InstanceClaim();

private:
    explicit InstanceClaim(int fd) : fd_(fd) {}
    int fd_ = -1;
};

}  // namespace rtt::server
