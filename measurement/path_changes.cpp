// SPDX-License-Identifier: MIT
#include "measurement/path_changes.h"

#include <algorithm>
#include <array>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "bytes.h"
#include "codec.h"

extern "C" {
#include "protocol.h"
}

namespace rtt {
namespace {

constexpr std::size_t kIpv6HeaderLen = 40;
constexpr std::size_t kTcpHeaderLen = 20;
constexpr std::uint8_t kTcpOptionEnd = 0;
constexpr std::uint8_t kTcpOptionNop = 1;
constexpr std::uint8_t kTcpOptionMss = 2;

constexpr std::array kNames{
    std::pair{PathChangeKind::dscp, "dscp"},
    std::pair{PathChangeKind::ecn, "ecn"},
    std::pair{PathChangeKind::address, "nat-address"},
    std::pair{PathChangeKind::port, "nat-port"},
    std::pair{PathChangeKind::ip_id, "ip-id"},
    std::pair{PathChangeKind::checksum, "checksum"},
    std::pair{PathChangeKind::tcp_sequence, "tcp-sequence"},
    std::pair{PathChangeKind::tcp_options, "tcp-options"},
    std::pair{PathChangeKind::mss, "mss"},
    std::pair{PathChangeKind::length, "length"},
};

// Reads the TCP options of a header whose quoted bytes are `tcp` (already cut to the packet's
// own length); sets nothing when the quote ends before the options do.
void read_tcp_options(std::span<const std::uint8_t> tcp, ProbeFields& fields) {
    if (tcp.size() < 13)
        return;
    const std::size_t header = static_cast<std::size_t>(tcp[12] >> 4) * 4;
    fields.tcp_header_length = static_cast<std::uint8_t>(header);
    if (header < kTcpHeaderLen || tcp.size() < header)
        return;
    std::vector<std::uint8_t> kinds;
    for (std::size_t at = kTcpHeaderLen; at < header;) {
        const std::uint8_t kind = tcp[at];
        if (kind == kTcpOptionEnd)
            break;
        if (kind == kTcpOptionNop) {
            kinds.push_back(kind);
            ++at;
            continue;
        }
        if (at + 1 >= header)
            return;  // malformed: a kind without its length
        const std::size_t length = tcp[at + 1];
        if (length < 2 || at + length > header)
            return;
        kinds.push_back(kind);
        if (kind == kTcpOptionMss && length == 4)
            fields.tcp_mss = read16(tcp, at + 2);
        at += length;
    }
    fields.tcp_option_kinds = std::move(kinds);
}

std::string dscp_text(std::uint8_t traffic_class) {
    return std::to_string(traffic_class >> 2);
}

std::string ecn_text(std::uint8_t traffic_class) {
    return std::to_string(traffic_class & 3);
}

std::string kinds_text(const std::vector<std::uint8_t>& kinds) {
    return kinds.empty() ? "none" : fmt::format("{}", fmt::join(kinds, ","));
}

bool per_probe(PathChangeKind kind) {
    return kind == PathChangeKind::ip_id || kind == PathChangeKind::checksum || kind == PathChangeKind::tcp_sequence;
}

}  // namespace

std::optional<ProbeFields> read_probe_fields(std::span<const std::uint8_t> packet, bool quoted) {
    const auto ip = parse_ip(packet, quoted);
    if (!ip)
        return std::nullopt;
    ProbeFields fields;
    fields.family = ip->family;
    fields.protocol = ip->protocol;
    fields.source = ip->source;
    std::span<const std::uint8_t> l4 = ip->payload;
    if (ip->family == Family::v4) {
        fields.traffic_class = packet[1];
        fields.ip_id = read16(packet, 4);
        fields.length = read16(packet, 2);
        const std::size_t header = packet.size() - l4.size();
        // Bytes beyond the packet's own length are a router's padding (RFC 4884), not ours.
        l4 = l4.first(std::min<std::size_t>(l4.size(), fields.length > header ? fields.length - header : 0));
    } else {
        fields.traffic_class = static_cast<std::uint8_t>(((packet[0] & 0x0F) << 4) | (packet[1] >> 4));
        const std::size_t payload = read16(packet, 4);
        fields.length = static_cast<std::uint16_t>(std::min<std::size_t>(0xFFFF, kIpv6HeaderLen + payload));
        l4 = l4.first(std::min(l4.size(), payload));
    }
    if (l4.size() < 8)
        return std::nullopt;
    if (ip->protocol == RTT_IPPROTO_UDP || ip->protocol == RTT_IPPROTO_TCP) {
        fields.source_port = read16(l4, 0);
        fields.destination_port = read16(l4, 2);
        if (ip->protocol == RTT_IPPROTO_UDP)
            fields.checksum = read16(l4, 6);
        else if (l4.size() >= 18)
            fields.checksum = read16(l4, 16);
        if (ip->protocol == RTT_IPPROTO_TCP) {
            fields.tcp_sequence = read32(l4, 4);
            read_tcp_options(l4, fields);
        }
    } else if (ip->protocol == icmp_protocol(ip->family)) {
        fields.checksum = read16(l4, 2);
        fields.source_port = read16(l4, 4);
    }
    return fields;
}

std::vector<PathChange> path_changes(const ProbeFields& sent, const ProbeFields& quoted) {
    std::vector<PathChange> changes;
    if (sent.family != quoted.family || sent.protocol != quoted.protocol)
        return changes;
    const auto add = [&](PathChangeKind kind, std::string from, std::string to) {
        changes.push_back({kind, std::move(from), std::move(to)});
    };
    if ((sent.traffic_class >> 2) != (quoted.traffic_class >> 2))
        add(PathChangeKind::dscp, dscp_text(sent.traffic_class), dscp_text(quoted.traffic_class));
    if ((sent.traffic_class & 3) != (quoted.traffic_class & 3))
        add(PathChangeKind::ecn, ecn_text(sent.traffic_class), ecn_text(quoted.traffic_class));
    const bool address_changed = sent.source != quoted.source;
    if (address_changed)
        add(PathChangeKind::address, sent.source.to_string(), quoted.source.to_string());
    bool port_changed = false;
    const auto compare_port = [&](const std::optional<std::uint16_t>& a, const std::optional<std::uint16_t>& b) {
        if (a && b && *a != *b) {
            add(PathChangeKind::port, std::to_string(*a), std::to_string(*b));
            port_changed = true;
        }
    };
    compare_port(sent.source_port, quoted.source_port);
    compare_port(sent.destination_port, quoted.destination_port);
    if (sent.ip_id && quoted.ip_id && *sent.ip_id != *quoted.ip_id)
        add(PathChangeKind::ip_id, std::to_string(*sent.ip_id), std::to_string(*quoted.ip_id));
    const bool sequence_changed =
        sent.tcp_sequence && quoted.tcp_sequence && *sent.tcp_sequence != *quoted.tcp_sequence;
    if (sequence_changed)
        add(PathChangeKind::tcp_sequence, std::to_string(*sent.tcp_sequence), std::to_string(*quoted.tcp_sequence));
    const bool length_changed = sent.length != quoted.length;
    if (length_changed)
        add(PathChangeKind::length, std::to_string(sent.length), std::to_string(quoted.length));
    bool options_changed = false;
    if (sent.tcp_option_kinds && quoted.tcp_option_kinds && *sent.tcp_option_kinds != *quoted.tcp_option_kinds) {
        add(PathChangeKind::tcp_options, kinds_text(*sent.tcp_option_kinds), kinds_text(*quoted.tcp_option_kinds));
        options_changed = true;
    } else if (sent.tcp_header_length && quoted.tcp_header_length &&
               *sent.tcp_header_length != *quoted.tcp_header_length) {
        add(PathChangeKind::tcp_options, fmt::format("{} bytes", *sent.tcp_header_length - kTcpHeaderLen),
            fmt::format("{} bytes", static_cast<int>(*quoted.tcp_header_length) - static_cast<int>(kTcpHeaderLen)));
        options_changed = true;
    }
    bool mss_changed = false;
    if (sent.tcp_mss && quoted.tcp_option_kinds && !options_changed) {
        if (quoted.tcp_mss && *quoted.tcp_mss != *sent.tcp_mss) {
            add(PathChangeKind::mss, std::to_string(*sent.tcp_mss), std::to_string(*quoted.tcp_mss));
            mss_changed = true;
        }
    }
    // A NAT, a new sequence number or an MSS clamp must fix the checksum: only a checksum that
    // changed on its own says something.
    const bool covered_changed =
        address_changed || port_changed || sequence_changed || length_changed || options_changed || mss_changed;
    if (sent.checksum && quoted.checksum && *sent.checksum != *quoted.checksum && !covered_changed)
        add(PathChangeKind::checksum, fmt::format("{:#06x}", *sent.checksum), fmt::format("{:#06x}", *quoted.checksum));
    return changes;
}

std::vector<PathChange> changes_first_seen(const std::vector<PathChange>& before, const std::vector<PathChange>& here) {
    std::vector<PathChange> fresh;
    for (const PathChange& change : here) {
        // The same field as the previous hop saw it (for a port: either port).
        const auto seen = std::find_if(before.begin(), before.end(), [&](const PathChange& b) {
            return b.kind == change.kind && (per_probe(change.kind) || b.to == change.to);
        });
        if (seen != before.end())
            continue;
        PathChange entry = change;
        // Rewritten again after an earlier middlebox: say from what the previous hop saw.
        const auto earlier = std::find_if(before.begin(), before.end(), [&](const PathChange& b) {
            return b.kind == change.kind && b.from == change.from && change.kind != PathChangeKind::port;
        });
        if (earlier != before.end())
            entry.from = earlier->to;
        fresh.push_back(std::move(entry));
    }
    return fresh;
}

std::string path_change_kind_name(PathChangeKind kind) {
    for (const auto& [k, name] : kNames)
        if (k == kind)
            return name;
    return "unknown";
}

std::optional<PathChangeKind> path_change_kind_from_name(const std::string& name) {
    for (const auto& [k, n] : kNames)
        if (name == n)
            return k;
    return std::nullopt;
}

std::string path_change_mark(const PathChange& change) {
    switch (change.kind) {
    case PathChangeKind::dscp: return fmt::format("[DSCP {}→{}]", change.from, change.to);
    case PathChangeKind::ecn: return fmt::format("[ECN {}→{}]", change.from, change.to);
    case PathChangeKind::address: return fmt::format("[NAT {}→{}]", change.from, change.to);
    case PathChangeKind::port: return fmt::format("[NAT port {}→{}]", change.from, change.to);
    case PathChangeKind::ip_id: return "[IP ID rewritten]";
    case PathChangeKind::checksum: return "[checksum rewritten]";
    case PathChangeKind::tcp_sequence: return "[TCP seq rewritten]";
    case PathChangeKind::tcp_options: return fmt::format("[TCP options {}→{}]", change.from, change.to);
    case PathChangeKind::mss: return fmt::format("[MSS {}→{}]", change.from, change.to);
    case PathChangeKind::length: return fmt::format("[length {}→{}]", change.from, change.to);
    }
    return "[changed]";
}

std::vector<std::string> path_change_legend(const std::vector<PathChangeKind>& shown) {
    std::vector<std::string> lines{
        "marks: the router quoted the probe changed, so a middlebox between the previous hop and this one "
        "rewrote it:"};
    const auto explain = [&](PathChangeKind kind, const char* text) {
        if (std::find(shown.begin(), shown.end(), kind) != shown.end())
            lines.emplace_back(text);
    };
    explain(PathChangeKind::dscp, "  [DSCP a→b] the DSCP remarked (to 0: bleached)");
    explain(PathChangeKind::ecn, "  [ECN a→b] the ECN bits rewritten");
    explain(PathChangeKind::address,
            "  [NAT a→b] the source address translated (and not translated back in the quote)");
    explain(PathChangeKind::port, "  [NAT port a→b] a port (ICMP: the echo identifier) translated");
    explain(PathChangeKind::ip_id, "  [IP ID rewritten] the IPv4 identification replaced");
    explain(PathChangeKind::checksum, "  [checksum rewritten] the checksum changed with nothing it covers");
    explain(PathChangeKind::tcp_sequence, "  [TCP seq rewritten] the sequence number replaced (randomised)");
    explain(PathChangeKind::tcp_options, "  [TCP options a→b] the TCP option kinds (in order) changed");
    explain(PathChangeKind::mss, "  [MSS a→b] the TCP MSS clamped");
    explain(PathChangeKind::length, "  [length a→b] the packet's size in bytes changed");
    return lines;
}

}  // namespace rtt
