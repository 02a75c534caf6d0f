// SPDX-License-Identifier: MIT
#include "server_fixtures.h"

#include <algorithm>

#include "hex.h"

extern "C" {
#include "protocol.h"
}

namespace rtt::test {
namespace {

std::uint8_t icmp_of(const Addresses& a) {
    return icmp_protocol(a.client.family());
}

Bytes request_frame(const Addresses& a, Request r, std::size_t length = RTT_REQUEST_LEN) {
    return ethernet_frame(
        wrap_in_ip(icmp_of(a), a.client, a.server, 60, encode_request(r, a.client, a.server, length)));
}

// The error response the server must send for a request from `a.client`.
Bytes error_frame(const Addresses& a, std::uint16_t id, std::uint8_t state, std::uint16_t value = 0) {
    Response r;
    r.id = id;
    r.state = state;
    r.value = value;
    return ethernet_frame_to_peer(
        wrap_in_ip(icmp_of(a), a.server, a.client, RTT_RESPONSE_TTL, encode_response(r, a.server, a.client)));
}

void add_pass(std::vector<ServerFixture>& table, std::string name, Bytes frame) {
    Bytes copy = frame;
    table.push_back({std::move(name), std::move(frame), kPass, std::move(copy)});
}

void add_family(std::vector<ServerFixture>& table, const Addresses& a) {
    const std::string v = a.client.is_v4() ? "v4 " : "v6 ";
    const std::uint8_t icmp = icmp_of(a);
    const bool v4 = a.client.is_v4();
    Addresses elsewhere = a;  // the same traffic, addressed to another host (a router forwards it)
    elsewhere.server = *IpAddress::parse(v4 ? "198.51.100.99" : "2001:db8::99");

    // Not ours: passes untouched.
    add_pass(table, v + "unrelated UDP",
             ethernet_frame(wrap_in_ip(RTT_IPPROTO_UDP, a.client, a.server, 64, hex("c3 50 00 35 00 08 00 00"))));
    add_pass(table, v + "plain ping (code 0)",
             ethernet_frame(wrap_in_ip(icmp, a.client, a.server, 64,
                                       with_checksum({v4 ? std::uint8_t(8) : std::uint8_t(128), 0, 0, 0, 0, 1, 0, 1}, 2,
                                                     icmp, a.client, a.server))));
    add_pass(table, v + "request to another host", request_frame(elsewhere, {0x1234, 5, RTT_IPPROTO_UDP, 0}));
    add_pass(table, v + "echo reply with sequence 0xFFFF to another host",
             ethernet_frame(
                 wrap_in_ip(icmp, a.client, elsewhere.server, 64,
                            with_checksum({v4 ? std::uint8_t(0) : std::uint8_t(129), 0, 0, 0, 0x12, 0x34, 0xff, 0xff},
                                          2, icmp, a.client, elsewhere.server))));
    {
        Bytes error = {std::uint8_t(v4 ? 3 : 1), 4, 0, 0, 0, 0, 0, 0};
        const auto quoted = wrap_in_ip(RTT_IPPROTO_UDP, elsewhere.server, a.client, 3, hex("03 fd 00 35 00 10 12 34"));
        error.insert(error.end(), quoted.begin(), quoted.end());
        add_pass(table, v + "ICMP error quoting UDP from port 1021, to another host",
                 ethernet_frame(wrap_in_ip(icmp, a.hop, elsewhere.server, 250,
                                           with_checksum(error, 2, icmp, a.hop, elsewhere.server))));
    }
    add_pass(table, v + "SYN-ACK to port 1021 of another host",
             ethernet_frame(wrap_in_ip(RTT_IPPROTO_TCP, a.client, elsewhere.server, 64,
                                       with_checksum(hex("00 50 03 fd 00 00 00 01 00 00 12 35 50 12 04 00 00 00 00 00"),
                                                     16, RTT_IPPROTO_TCP, a.client, elsewhere.server))));
    add_pass(table, v + "time exceeded code 1 (reassembly)",
             ethernet_frame(wrap_in_ip(
                 icmp, a.hop, a.server, 250,
                 with_checksum({std::uint8_t(v4 ? 11 : 3), 1, 0, 0, 0, 0, 0, 0}, 2, icmp, a.hop, a.server))));

    // Requests answered with an error state (no session, no probe).
    table.push_back({v + "ttl 0: state 1", request_frame(a, {0x1234, 0, RTT_IPPROTO_UDP, 0}), kRedirect,
                     error_frame(a, 0x1234, RTT_STATE_INVALID_TTL)});
    table.push_back({v + "protocol 47: state 2", request_frame(a, {0x1234, 5, 47, 0}), kRedirect,
                     error_frame(a, 0x1234, RTT_STATE_INVALID_PROTOCOL)});
    {
        auto icmp_message = encode_request({0x1234, 5, RTT_IPPROTO_UDP, 0}, a.client, a.server);
        const Bytes extension = hex("20 00 00 00 00 14 05 00 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 63");
        icmp_message.insert(icmp_message.end(), extension.begin(), extension.end());
        table.push_back({v + "indirect-target extension object: state 4",
                         ethernet_frame(wrap_in_ip(icmp, a.client, a.server, 60,
                                                   with_checksum(icmp_message, 2, icmp, a.client, a.server))),
                         kRedirect, error_frame(a, 0x1234, RTT_STATE_EXTENSION_NOT_SUPPORTED, 0x0500)});
    }

    // Requests dropped without an answer.
    {
        auto frame = request_frame(a, {0x1234, 5, RTT_IPPROTO_UDP, 0}, RTT_RESPONSE_SUCCESS_LEN);
        frame.back() ^= 1;
        table.push_back({v + "wrong checksum", frame, kDrop, {}});
    }
    table.push_back({v + "identifier 0", request_frame(a, {0, 5, RTT_IPPROTO_UDP, 0}), kDrop, {}});
    table.push_back({v + "longer than 128 bytes", request_frame(a, {0x1234, 5, RTT_IPPROTO_UDP, 0}, 129), kDrop, {}});
    {
        Addresses own = a;
        own.client = a.server;
        table.push_back(
            {v + "from the server's own address", request_frame(own, {0x1234, 5, RTT_IPPROTO_UDP, 0}), kDrop, {}});
    }
    {
        // Eight bytes of a request: shorter than its fixed 12.
        Bytes m = encode_request({0x1234, 5, RTT_IPPROTO_UDP, 0}, a.client, a.server);
        m.resize(8);
        table.push_back(
            {v + "truncated request",
             ethernet_frame(wrap_in_ip(icmp, a.client, a.server, 60, with_checksum(m, 2, icmp, a.client, a.server))),
             kDrop,
             {}});
    }
    // Marked answers addressed to us with no session: dropped (an answer to nothing).
    table.push_back({v + "echo reply with sequence 0xFFFF and no session",
                     ethernet_frame(wrap_in_ip(
                         icmp, a.client, a.server, 64,
                         with_checksum({v4 ? std::uint8_t(0) : std::uint8_t(129), 0, 0, 0, 0x43, 0x21, 0xff, 0xff}, 2,
                                       icmp, a.client, a.server))),
                     kDrop,
                     {}});
}

}  // namespace

Bytes ethernet_frame_to_peer(const Bytes& ip_packet) {
    Bytes f = ethernet_frame(ip_packet);
    std::copy_n(kPeerMac, 6, f.begin());
    std::copy_n(kServerMac, 6, f.begin() + 6);
    return f;
}

std::vector<ServerFixture> stateless_server_fixtures() {
    std::vector<ServerFixture> table;
    add_family(table, v4_addresses());
    add_family(table, v6_addresses());
    return table;
}

}  // namespace rtt::test
