// SPDX-License-Identifier: MIT
#include "duration.h"

#include <charconv>
#include <limits>
#include <utility>

#include <fmt/format.h>

namespace rtt::server {

std::optional<std::uint64_t> parse_duration_ns(std::string_view text) {
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end == text.data())
        return std::nullopt;
    const std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
    static constexpr std::pair<std::string_view, std::uint64_t> kUnits[] = {
        {"", 1}, {"ns", 1}, {"us", 1'000}, {"ms", 1'000'000}, {"s", 1'000'000'000}, {"m", 60'000'000'000}};
    for (const auto& [name, scale] : kUnits) {
        if (unit != name)
            continue;
        if (value > std::numeric_limits<std::uint64_t>::max() / scale)
            return std::nullopt;
        return value * scale;
    }
    return std::nullopt;
}

std::string duration_text(std::uint64_t ns) {
    static constexpr std::pair<std::uint64_t, const char*> kScales[] = {
        {1'000'000'000, "s"}, {1'000'000, "ms"}, {1'000, "us"}};
    for (const auto& [scale, unit] : kScales)
        if (ns >= scale)
            return fmt::format("{:g}{}", static_cast<double>(ns) / static_cast<double>(scale), unit);
    return fmt::format("{}ns", ns);
}

}  // namespace rtt::server
