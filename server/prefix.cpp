// SPDX-License-Identifier: MIT
#include "prefix.h"

#include <charconv>

namespace rtt::server {

std::optional<Prefix> parse_prefix(std::string_view text) {
    const auto slash = text.find('/');
    const auto address = IpAddress::parse(text.substr(0, slash));
    if (!address)
        return std::nullopt;
    const unsigned max = address->is_v4() ? 32 : 128;
    unsigned length = max;
    if (slash != std::string_view::npos) {
        const auto digits = text.substr(slash + 1);
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), length);
        if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty() || length > max)
            return std::nullopt;
    }
    return Prefix{*address, address->is_v4() ? length + 96 : length};
}

}  // namespace rtt::server
