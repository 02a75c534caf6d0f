// SPDX-License-Identifier: MIT
// Reverse probes: each one is a request to the target's reverse traceroute server (Echo Request
// code 1 carrying ttl, protocol and flow, docs/protocol.md §1); the server's response names
// the router that answered its probe back toward us and the RTT it measured (§2).
#pragma once

#include "probe_codec.h"

namespace rtt::client {

class ReverseCodec final : public ProbeCodec {
public:
    ReverseCodec(Protocol protocol, const IpAddress& source, const IpAddress& server);

    Family family() const override { return server_.family(); }
    const IpAddress& destination() const override { return server_; }
    const IpAddress& source() const override { return source_; }
    // The server's probes travel back to us: the path ends when we answered one.
    const IpAddress& end_of_path() const override { return source_; }
    OutgoingProbe encode(std::uint8_t ttl, std::uint16_t flow, std::uint16_t id) const override;
    std::optional<Answer> decode(const ReceivedPacket& packet) const override;
    std::optional<std::string> refusal(const Answer& answer) const override;
    std::span<const std::uint8_t> answer_protocols() const override;
    std::vector<sock_filter> receive_filter(std::uint8_t protocol) const override;

private:
    std::optional<Answer> undeliverable(std::span<const std::uint8_t> icmp, const IpAddress& from) const;

    Protocol protocol_;
    IpAddress source_;
    IpAddress server_;
    std::uint8_t icmp_protocol_;
};

// The sentence a user sees for a server's error state (§2 state table).
std::string server_state_message(std::uint8_t state);

}  // namespace rtt::client
