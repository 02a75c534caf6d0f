// SPDX-License-Identifier: MIT
#include "reverse_codec.h"

#include <fmt/format.h>

#include "codec.h"
#include "filter_helpers.h"

extern "C" {
#include "protocol.h"
}

namespace rtt::client {
namespace {
constexpr std::uint8_t kRequestIpTtl = 64;

std::uint8_t destination_unreachable_type(Family family) {
    return family == Family::v4 ? 3 : 1;
}
}  // namespace

ReverseCodec::ReverseCodec(Protocol protocol, const IpAddress& source, const IpAddress& server)
    : protocol_(protocol), source_(source), server_(server), icmp_protocol_(icmp_protocol(server.family())) {}

std::span<const std::uint8_t> ReverseCodec::answer_protocols() const {
    return {&icmp_protocol_, 1};
}

OutgoingProbe ReverseCodec::encode(std::uint8_t ttl, std::uint16_t flow, std::uint16_t id) const {
    const Request request{id, ttl, ip_protocol(protocol_, family()), flow};
    // Padded to the size of a success response, so that a server may refuse shorter requests and
    // never send more than it received (docs/protocol.md §1).
    return OutgoingProbe{icmp_protocol_,
                         kRequestIpTtl,
                         id,
                         0,
                         false,
                         encode_request(request, source_, server_, RTT_RESPONSE_SUCCESS_LEN)};
}

// A router that cannot deliver the request (no route to the server's network, a filter) says
// so with destination unreachable, quoting the request: the trace then ends at once with that
// router's word instead of waiting out every attempt.
std::optional<Answer> ReverseCodec::undeliverable(std::span<const std::uint8_t> icmp, const IpAddress& from) const {
    if (icmp.size() < 8 || icmp[0] != destination_unreachable_type(family()))
        return std::nullopt;
    const auto quote = parse_ip(icmp.subspan(8), true);
    if (!quote || quote->protocol != icmp_protocol_ || quote->destination != server_ || quote->source != source_ ||
        quote->payload.size() < 8 || quote->payload[0] != echo_request_type(family()) || quote->payload[1] != RTT_CODE)
        return std::nullopt;
    return Answer{
        read16(quote->payload, 4), AnswerKind::unreachable, from, icmp[1], 0, std::nullopt, std::nullopt, {}, {}};
}

std::optional<Answer> ReverseCodec::decode(const ReceivedPacket& packet) const {
    std::span<const std::uint8_t> icmp = packet.bytes;
    IpAddress from = packet.source;
    if (family() == Family::v4) {
        const auto ip = parse_ip(packet.bytes, false);
        if (!ip || ip->protocol != icmp_protocol_)
            return std::nullopt;
        icmp = ip->payload;
        from = ip->source;
    }
    if (auto unreachable = undeliverable(icmp, from))
        return unreachable;
    if (from != server_ || icmp.size() < 8 || icmp[0] != echo_reply_type(family()))
        return std::nullopt;
    const std::uint16_t id = read16(icmp, 4);
    const auto response = decode_response(icmp, family());
    // A host without a server answers a request like a ping: code 0, or our 12 bytes echoed.
    // Sequence 0 (ours) tells it from the answer to a forward ICMP probe of a two-way trace.
    if (!response) {
        if (read16(icmp, 6) != 0)
            return std::nullopt;
        return Answer{id, AnswerKind::not_a_server, from, 0, 0, std::nullopt, std::nullopt, {}, {}};
    }
    if (response->state != RTT_STATE_SUCCESS)
        return Answer{id, AnswerKind::server_refused, from, 0, response->state, std::nullopt, std::nullopt, {}, {}};
    return Answer{id, AnswerKind::server_hop, *response->hop, 0, 0, response->timespan_ns, std::nullopt, {}, {}};
}

std::optional<std::string> ReverseCodec::refusal(const Answer& answer) const {
    if (answer.kind == AnswerKind::not_a_server)
        return fmt::format("{} answered like a plain ping: it runs no reverse traceroute server",
                           answer.responder.to_string());
    if (answer.kind == AnswerKind::server_refused)
        return server_state_message(answer.server_state);
    if (answer.kind == AnswerKind::unreachable)
        return fmt::format(
            "the request did not reach {}: {} answered {}; check the address and this host's route to it",
            server_.to_string(), answer.responder.to_string(),
            unreachable_reason(answer.responder.family(), answer.icmp_code));
    return std::nullopt;
}

std::vector<sock_filter> ReverseCodec::receive_filter(std::uint8_t) const {
    // Echo replies from the server, and destination unreachable from anyone (decode() checks
    // that it quotes our request).
    SocketFilterBuilder f;
    if (family() == Family::v4) {
        const auto echo_reply = f.new_label();
        f.load_ipv4_header_length();
        f.load_byte_after_header(0);
        f.jump_if_equal(destination_unreachable_type(family()), SocketFilterBuilder::accept, SocketFilterBuilder::next);
        f.jump_if_equal(echo_reply_type(family()), echo_reply, SocketFilterBuilder::reject);
        f.place(echo_reply);
        require_address(f, 12, server_, false);
        f.jump_to(SocketFilterBuilder::accept);
    } else {
        f.load_byte(0);  // IPv6 raw sockets do not see the source; decode() checks it
        f.jump_if_equal(destination_unreachable_type(family()), SocketFilterBuilder::accept, SocketFilterBuilder::next);
        f.jump_if_equal(echo_reply_type(family()), SocketFilterBuilder::accept, SocketFilterBuilder::reject);
    }
    return f.finish();
}

std::string server_state_message(std::uint8_t state) {
    switch (state) {
    case RTT_STATE_INVALID_TTL: return "the server rejected the TTL";
    case RTT_STATE_INVALID_PROTOCOL:
    case RTT_STATE_INVALID_FLOW: return "the server rejected the probe protocol or flow";
    case RTT_STATE_EXTENSION_NOT_SUPPORTED:
        return "the server does not implement an ICMP extension object the request carried";
    case RTT_STATE_INSUFFICIENT_PADDING:
        return "the server only answers requests padded to 36 bytes, and this one arrived shorter";
    case RTT_STATE_BUSY:
        return "the server is busy: its session table, or this host's share of it, is full; try again in a few "
               "seconds, or with fewer probes in flight";
    default: return fmt::format("unknown state {} from the server", state);
    }
}

}  // namespace rtt::client
