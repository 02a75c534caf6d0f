// SPDX-License-Identifier: MIT
#include "ip_address.h"

#include <arpa/inet.h>

#include <algorithm>

namespace rtt {
namespace {
constexpr std::array<std::uint8_t, 12> kV4MappedPrefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
    std::string s(text);
    std::array<std::uint8_t, 16> buf{};
    if (inet_pton(AF_INET, s.c_str(), buf.data()) == 1)
        return from_v4(std::span<const std::uint8_t, 4>(buf.data(), 4));
    if (inet_pton(AF_INET6, s.c_str(), buf.data()) == 1)
        return from_v6(buf);
    return std::nullopt;
}

IpAddress IpAddress::from_v4(std::span<const std::uint8_t, 4> bytes) {
    IpAddress a;
    std::copy(kV4MappedPrefix.begin(), kV4MappedPrefix.end(), a.bytes_.begin());
    std::copy(bytes.begin(), bytes.end(), a.bytes_.begin() + 12);
    return a;
}

IpAddress IpAddress::from_v6(std::span<const std::uint8_t, 16> bytes) {
    IpAddress a;
    std::copy(bytes.begin(), bytes.end(), a.bytes_.begin());
    return a;
}

IpAddress IpAddress::from_wire(std::span<const std::uint8_t, 16> bytes) {
    return from_v6(bytes);
}

bool IpAddress::is_v4() const {
    return std::equal(kV4MappedPrefix.begin(), kV4MappedPrefix.end(), bytes_.begin());
}

std::span<const std::uint8_t> IpAddress::header_bytes() const {
    if (is_v4())
        return std::span<const std::uint8_t>(bytes_).subspan(12, 4);
    return bytes_;
}

std::string IpAddress::to_string() const {
    char buf[INET6_ADDRSTRLEN] = {};
    if (is_v4())
        inet_ntop(AF_INET, bytes_.data() + 12, buf, sizeof buf);
    else
        inet_ntop(AF_INET6, bytes_.data(), buf, sizeof buf);
    return buf;
}

}  // namespace rtt
