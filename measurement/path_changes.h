// SPDX-License-Identifier: MIT
// What the path did to a probe, read from the quote in a router's ICMP error: every error
// quotes the probe as that router received it, so a field that differs from what was sent was
// rewritten on the way (tracebox's method). A change is put on the first hop whose quote shows
// it: a middlebox between the previous hop and that one made it, and every later quote repeats
// it without saying anything new.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ip_address.h"

namespace rtt {

// The fields of a probe that a middlebox may rewrite, as sent or as a router quoted them. A
// field the quote was too short to hold is nullopt.
struct ProbeFields {
    Family family = Family::v4;
    std::uint8_t protocol = 0;
    std::uint8_t traffic_class = 0;  // IPv4 TOS / IPv6 traffic class: DSCP (6 bits), ECN (2 bits)
    IpAddress source;
    std::optional<std::uint16_t> ip_id;                          // IPv4 only
    std::uint16_t length = 0;                                    // the whole packet, IP header included
    std::optional<std::uint16_t> source_port, destination_port;  // UDP, TCP; ICMP: the echo identifier as source
    std::optional<std::uint16_t> checksum;                       // the L4 checksum field
    std::optional<std::uint32_t> tcp_sequence;
    std::optional<std::uint8_t> tcp_header_length;              // data offset in bytes
    std::optional<std::vector<std::uint8_t>> tcp_option_kinds;  // when the options were quoted whole
    std::optional<std::uint16_t> tcp_mss;                       // when an MSS option was quoted
};

// Reads the fields of an IP packet (`quoted`: the copy in an ICMP error, which may be cut
// short after the first 8 bytes of the L4 header); nullopt when not even that much is there.
std::optional<ProbeFields> read_probe_fields(std::span<const std::uint8_t> packet, bool quoted);

enum class PathChangeKind {
    dscp,          // DSCP rewritten (remarked, or bleached to 0)
    ecn,           // ECN bits rewritten
    address,       // source address translated (NAT)
    port,          // source or destination port (ICMP: echo identifier) translated (NAPT)
    ip_id,         // IPv4 identification rewritten
    checksum,      // L4 checksum rewritten with nothing it covers changed as far as quoted
    tcp_sequence,  // TCP sequence number rewritten (a firewall randomising it)
    tcp_options,   // TCP options removed, added or reordered
    mss,           // TCP MSS clamped
    length,        // the packet grew or shrank
};

struct PathChange {
    PathChangeKind kind = PathChangeKind::dscp;
    std::string from;  // as sent (or, for a change first seen at this hop, as the previous hop saw it)
    std::string to;    // as quoted
    auto operator<=>(const PathChange&) const = default;
};

// Every field of `quoted` that differs from `sent` (fields the quote lacks are not compared).
// A checksum that changed only because a covered field did is not a change of its own.
std::vector<PathChange> path_changes(const ProbeFields& sent, const ProbeFields& quoted);

// The changes of `here` (relative to the probe as sent) that the previous hop's quote did not
// already show. `from` becomes what the previous hop saw, so a field rewritten twice reads
// "DSCP 46→0" at the first middlebox and "DSCP 0→8" at the second. Fields whose value is
// per probe (IP ID, checksum, TCP sequence) compare by kind only.
std::vector<PathChange> changes_first_seen(const std::vector<PathChange>& before, const std::vector<PathChange>& here);

// "dscp", "nat-address", ...: the names of the JSON document and the legend.
std::string path_change_kind_name(PathChangeKind kind);
std::optional<PathChangeKind> path_change_kind_from_name(const std::string& name);
// The mark in a text line, e.g. "[DSCP 46→0]", "[NAT 198.18.1.1→198.18.9.1]".
std::string path_change_mark(const PathChange& change);
// Lines explaining the marks of the kinds `shown`, for the end of a text output that printed any.
std::vector<std::string> path_change_legend(const std::vector<PathChangeKind>& shown);

}  // namespace rtt
