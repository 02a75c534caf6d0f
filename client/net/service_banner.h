// SPDX-License-Identifier: MIT
// --banner: once a TCP trace has reached an open port, one ordinary connection to it, and the
// first line the service sends (SSH, SMTP, FTP and POP servers speak first), as potraceroute
// shows it: proof that a connection gets through, not only a SYN. The kernel's own TCP does
// the connection (this is not a probe: it is the one connection a user would make).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include <nlohmann/json.hpp>

#include "ip_address.h"
#include "measurement/answer.h"

namespace rtt::client {

inline constexpr std::size_t kBannerChars = 200;

struct ServiceBanner {
    enum class State {
        sent,         // the service sent `text`
        silent,       // connected, nothing within the wait (HTTP, TLS: the client speaks first)
        closed,       // refused (RST)
        filtered,     // no answer to the connection within the wait
        not_reached,  // the trace itself did not reach an open port: no connection made
        failed,       // any other error; `text` says which
    };
    State state = State::failed;
    std::uint16_t port = 0;
    double wait_s = 0;
    std::string text;
};

// The first line of `bytes` in printable form: up to the first CR or LF, other control and
// non-ASCII bytes as \xNN, at most kBannerChars characters.
std::string printable_banner(std::span<const std::uint8_t> bytes);

// Connects from `source` to `target`:`port` and reads what the service sends within `wait_s`
// seconds (connection included).
ServiceBanner fetch_banner(const IpAddress& source, const IpAddress& target, std::uint16_t port, double wait_s,
                           const std::string& interface);

// What the forward trace's end means for the banner: nullopt when it reached an open port
// (connect then), else the banner that says why none is fetched.
std::optional<ServiceBanner> banner_without_connection(const std::optional<Answer>& final_answer, std::uint16_t port,
                                                       double wait_s);

// "banner: port 22: SSH-2.0-OpenSSH_9.2" and the like: one line for the text output.
std::string banner_line(const ServiceBanner& banner);
// {"port", "state", "text"?} for the measurement's "banner".
nlohmann::json banner_json(const ServiceBanner& banner);

}  // namespace rtt::client
