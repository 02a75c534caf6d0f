// SPDX-License-Identifier: MIT
// An IPv4 or IPv6 address kept in the 16-byte form the protocol uses on the wire
// (IPv4 as IPv4-mapped ::ffff:a.b.c.d), so both families share one type.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace rtt {

enum class Family { v4, v6 };

class IpAddress {
public:
    IpAddress() = default;

    static std::optional<IpAddress> parse(std::string_view text);
    static IpAddress from_v4(std::span<const std::uint8_t, 4> bytes);
    static IpAddress from_v6(std::span<const std::uint8_t, 16> bytes);
    // Reads the protocol's 16-byte form: IPv4-mapped addresses become IPv4.
    static IpAddress from_wire(std::span<const std::uint8_t, 16> bytes);

    Family family() const { return is_v4() ? Family::v4 : Family::v6; }
    bool is_v4() const;
    // 16 bytes; IPv4 as IPv4-mapped.
    const std::array<std::uint8_t, 16>& wire() const { return bytes_; }
    // The address as it goes into an IP header: 4 bytes for IPv4, 16 for IPv6.
    std::span<const std::uint8_t> header_bytes() const;
    std::string to_string() const;

    auto operator<=>(const IpAddress&) const = default;

private:
    std::array<std::uint8_t, 16> bytes_{};
};

}  // namespace rtt
