// SPDX-License-Identifier: MIT
// Big-endian field access on byte buffers, shared by the protocol codec and the client's
// probe encoders so that every wire format is read and written the same way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace rtt {

using Bytes = std::vector<std::uint8_t>;

inline std::uint16_t read16(std::span<const std::uint8_t> b, std::size_t at) {
    return static_cast<std::uint16_t>(b[at] << 8 | b[at + 1]);
}

inline std::uint32_t read32(std::span<const std::uint8_t> b, std::size_t at) {
    return std::uint32_t(read16(b, at)) << 16 | read16(b, at + 2);
}

inline void write16(Bytes& b, std::size_t at, std::uint16_t v) {
    b[at] = static_cast<std::uint8_t>(v >> 8);
    b[at + 1] = static_cast<std::uint8_t>(v);
}

inline void write32(Bytes& b, std::size_t at, std::uint32_t v) {
    write16(b, at, static_cast<std::uint16_t>(v >> 16));
    write16(b, at + 2, static_cast<std::uint16_t>(v));
}

inline void append(Bytes& b, std::span<const std::uint8_t> more) {
    b.insert(b.end(), more.begin(), more.end());
}

}  // namespace rtt
