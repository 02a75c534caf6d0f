// SPDX-License-Identifier: MIT
// Attachment of the program to an interface's clsact ingress hook (RAII: detached on
// destruction). Each family set has its own fixed filter priority, so the v4 and v6 units
// coexist on one interface. A second live instance for a family already served is refused; a
// filter left by a killed instance (no claim, instance_claim.h) is replaced or removed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "instance_claim.h"

namespace rtt::server {

class TcAttachment {
public:
    TcAttachment(const std::string& interface, bool ipv4, bool ipv6, int program_fd);
    ~TcAttachment();
    TcAttachment(const TcAttachment&) = delete;
    TcAttachment& operator=(const TcAttachment&) = delete;

    int ifindex() const { return ifindex_; }
    std::uint32_t priority() const { return priority_; }

private:
    int ifindex_ = 0;
    std::uint32_t priority_ = 0;
    std::uint32_t program_id_ = 0;
    std::optional<InstanceClaim> claim_;  // held while attached
};

// The tc filter priority used for a family set.
std::uint32_t filter_priority(bool ipv4, bool ipv6);
// 0 when no filter of ours is attached at that priority, else its program id.
std::uint32_t attached_program_id(int ifindex, std::uint32_t priority);

}  // namespace rtt::server
