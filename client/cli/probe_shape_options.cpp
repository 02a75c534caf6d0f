// SPDX-License-Identifier: MIT
#include "cli/probe_shape_options.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

namespace rtt::client {
namespace {

int hex_digit(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

std::variant<Bytes, std::string> read_payload_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return fmt::format("cannot read the payload file {}: {}; check the path after @", path, std::strerror(errno));
    Bytes bytes;
    char c = 0;
    while (in.get(c) && bytes.size() <= kMaxPayload)
        bytes.push_back(static_cast<std::uint8_t>(c));
    if (in.bad())
        return fmt::format("cannot read the payload file {}: {}", path, std::strerror(errno));
    if (bytes.size() > kMaxPayload)
        return fmt::format("the payload file {} is longer than {} bytes: no probe can carry it", path, kMaxPayload);
    return bytes;
}

}  // namespace

std::variant<Bytes, std::string> parse_payload(const std::string& text) {
    if (!text.empty() && text.front() == '@')
        return read_payload_file(text.substr(1));
    std::string digits = text;
    if (digits.rfind("0x", 0) == 0 || digits.rfind("0X", 0) == 0)
        digits.erase(0, 2);
    const auto shown = text.size() > 40 ? text.substr(0, 40) + "..." : text;
    if (digits.empty() || digits.size() % 2 != 0)
        return fmt::format("--payload '{}' is not pairs of hex digits: give e.g. 48454c4c4f, or @FILE", shown);
    if (digits.size() / 2 > kMaxPayload)
        return fmt::format("--payload is longer than {} bytes: no probe can carry it", kMaxPayload);
    Bytes bytes;
    bytes.reserve(digits.size() / 2);
    for (std::size_t i = 0; i < digits.size(); i += 2) {
        const int high = hex_digit(digits[i]), low = hex_digit(digits[i + 1]);
        if (high < 0 || low < 0)
            return fmt::format("--payload '{}' is not pairs of hex digits: give e.g. 48454c4c4f, or @FILE", shown);
        bytes.push_back(static_cast<std::uint8_t>(high << 4 | low));
    }
    return bytes;
}

}  // namespace rtt::client
