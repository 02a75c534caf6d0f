// SPDX-License-Identifier: MIT
// Hex strings in tests read like the vectors in docs/protocol.md, and the named vectors are read
// from that file itself, so that the document and the code cannot drift apart.
#pragma once

#include <cstdint>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace rtt::test {

inline std::vector<std::uint8_t> hex(std::string_view text) {
    std::vector<std::uint8_t> out;
    std::string digits;
    for (char c : text)
        if (c != ' ')
            digits += c;
    for (std::size_t i = 0; i + 1 < digits.size(); i += 2)
        out.push_back(static_cast<std::uint8_t>(std::stoi(digits.substr(i, 2), nullptr, 16)));
    return out;
}

inline std::string to_hex(const std::vector<std::uint8_t>& bytes) {
    static const char* d = "0123456789abcdef";
    std::string s;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i)
            s += ' ';
        s += d[bytes[i] >> 4];
        s += d[bytes[i] & 15];
    }
    return s;
}

// The bytes of the vector NAME in docs/protocol.md §7 (a line "- `NAME`: `xx xx ...`").
inline std::vector<std::uint8_t> protocol_vector(std::string_view name) {
    std::ifstream document(RTT_PROTOCOL_DOC);
    const std::string head = "- `" + std::string(name) + "`: `";
    for (std::string line; std::getline(document, line);) {
        if (line.rfind(head, 0) != 0)
            continue;
        const std::size_t end = line.find('`', head.size());
        if (end == std::string::npos)
            break;
        return hex(std::string_view(line).substr(head.size(), end - head.size()));
    }
    throw std::runtime_error("no vector '" + std::string(name) + "' in " RTT_PROTOCOL_DOC);
}

inline std::string protocol_vector_hex(std::string_view name) {
    return to_hex(protocol_vector(name));
}

}  // namespace rtt::test
