// SPDX-License-Identifier: MIT
// --payload HEX|@FILE, --size and --tos: what forward probes carry. The reverse probes are the
// server's own (docs/protocol.md §3): a request has no field for a payload or a size.
#pragma once

#include <optional>
#include <string>
#include <variant>

#include "bytes.h"

namespace rtt::client {

// The largest payload a probe may carry (an IPv4 packet's length field bounds it anyway).
inline constexpr std::size_t kMaxPayload = 65000;

// The bytes `text` names: pairs of hex digits, or @FILE for a file's contents; otherwise the
// sentence saying what is wrong and what to give. (The prober refuses @FILE before this.)
std::variant<Bytes, std::string> parse_payload(const std::string& text);

}  // namespace rtt::client
