// SPDX-License-Identifier: MIT
// What path MTU discovery (--mtu) found, hop by hop as tracepath shows it: the probe size that
// reached each hop, and every place the size had to drop, either because a router said so
// (IPv4 "fragmentation needed", IPv6 "packet too big", with the MTU of its next link) or
// because bigger probes vanished without any ICMP error (a black hole, found by bisecting the
// probe size at the first hop where big probes stop being answered).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ip_address.h"

namespace rtt {

struct PathMtuDrop {
    enum class How { too_big, black_hole };
    How how = How::too_big;
    std::uint8_t ttl = 0;    // the probe's TTL when it was found: the size applies from this hop on
    std::uint32_t from = 0;  // bytes, IP header included
    std::uint32_t to = 0;
    std::optional<IpAddress> reported_by;     // too_big: the router that said so
    std::uint32_t reported_mtu = 0;           // too_big: the MTU it said (0: none, RFC 1191 plateaus used)
    std::optional<IpAddress> last_answering;  // black_hole: the hop before it, if it answered
};

struct PathMtu {
    std::uint32_t first = 0;  // the size probing started at: the outgoing interface's MTU
    std::uint32_t found = 0;  // the path MTU up to the last hop that answered
    bool reached = false;     // the destination answered: `found` is the MTU of the whole path
    std::vector<PathMtuDrop> drops;
};

// The stored measurement's "path_mtu" (docs/measurement.schema.json).
nlohmann::json path_mtu_json(const PathMtu& mtu);
// The text's summary lines.
std::vector<std::string> path_mtu_lines(const PathMtu& mtu);

}  // namespace rtt
