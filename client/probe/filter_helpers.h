// SPDX-License-Identifier: MIT
// Address comparisons shared by the codecs' socket filters.
#pragma once

#include "io/socket_filter.h"
#include "ip_address.h"

namespace rtt::client {

// Rejects unless the 4 (IPv4) or 16 (IPv6) bytes at `offset` equal `address`; with
// `after_header` the offset is relative to X (see SocketFilterBuilder).
inline void require_address(SocketFilterBuilder& f, std::uint32_t offset, const IpAddress& address, bool after_header) {
    const auto bytes = address.header_bytes();
    for (std::size_t i = 0; i < bytes.size(); i += 4) {
        const std::uint32_t word = std::uint32_t(bytes[i]) << 24 | std::uint32_t(bytes[i + 1]) << 16 |
                                   std::uint32_t(bytes[i + 2]) << 8 | bytes[i + 3];
        const auto at = static_cast<std::uint32_t>(offset + i);
        if (after_header)
            f.load_word_after_header(at);
        else
            f.load_word(at);
        f.require_equal(word);
    }
}

}  // namespace rtt::client
