// SPDX-License-Identifier: MIT
// lab-packets: hand-made traffic for the server's safety tests in the lab.
//   lab-packets send HEX...            sends each IP packet (hex, header included) as it is
//   lab-packets capture SECONDS        prints every IP packet this namespace receives, in hex
//   lab-packets flood --source ADDR --seconds S TARGET
//                                      sends valid, padded requests from ADDR to TARGET as
//                                      fast as one socket can for S seconds (or until
//                                      SIGTERM); prints the count
//   lab-packets flood --source ADDR --count N --ttl T TARGET
//                                      sends N requests (ids 1 to N), then counts for a second
//                                      the responses: "sent N busy B answered A"
//   lab-packets markers SOURCE DESTINATION
//                                      sends packets that carry the probe markers but belong to
//                                      no session of ours (transit traffic for a router running
//                                      the server); prints each in hex
// Only ever run inside the lab's network namespaces.
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>

#include "codec.h"

extern "C" {
#include "protocol.h"
}

using namespace rtt;

namespace {

// SIGTERM ends a flood early, still printing what was sent.
std::atomic<bool> g_stop{false};

std::string hex_of(const std::uint8_t* data, std::size_t n) {
    std::string s;
    char byte[3];
    for (std::size_t i = 0; i < n; ++i) {
        std::snprintf(byte, sizeof byte, "%02x", data[i]);
        s += byte;
    }
    return s;
}

bool parse_hex(const std::string& text, Bytes& out) {
    if (text.size() % 2)
        return false;
    for (std::size_t i = 0; i < text.size(); i += 2)
        out.push_back(static_cast<std::uint8_t>(std::stoul(text.substr(i, 2), nullptr, 16)));
    return true;
}

sockaddr_storage socket_address(const IpAddress& address, socklen_t& length) {
    sockaddr_storage to{};
    const auto wire = address.wire();
    if (address.is_v4()) {
        auto* s = reinterpret_cast<sockaddr_in*>(&to);
        s->sin_family = AF_INET;
        std::memcpy(&s->sin_addr, wire.data() + 12, 4);
        length = sizeof(sockaddr_in);
    } else {
        auto* s = reinterpret_cast<sockaddr_in6*>(&to);
        s->sin6_family = AF_INET6;
        std::memcpy(&s->sin6_addr, wire.data(), 16);
        length = sizeof(sockaddr_in6);
    }
    return to;
}

// IPPROTO_RAW sockets send the IP header as given (IPv6 too, since Linux 4.5).
int send_packets(const std::vector<std::string>& packets) {
    for (const auto& text : packets) {
        Bytes packet;
        if (!parse_hex(text, packet) || packet.size() < 20) {
            std::fprintf(stderr, "lab-packets: %s is not an IP packet in hex\n", text.c_str());
            return 2;
        }
        const bool v4 = (packet[0] >> 4) == 4;
        const int fd = socket(v4 ? AF_INET : AF_INET6, SOCK_RAW, IPPROTO_RAW);
        if (fd < 0) {
            std::perror("lab-packets: raw socket");
            return 1;
        }
        const auto destination = v4 ? IpAddress::from_v4(std::span<const std::uint8_t, 4>(packet.data() + 16, 4))
                                    : IpAddress::from_v6(std::span<const std::uint8_t, 16>(packet.data() + 24, 16));
        socklen_t length = 0;
        const auto to = socket_address(destination, length);
        if (sendto(fd, packet.data(), packet.size(), 0, reinterpret_cast<const sockaddr*>(&to), length) < 0) {
            std::perror("lab-packets: sendto");
            close(fd);
            return 1;
        }
        close(fd);
    }
    return 0;
}

int capture(double seconds) {
    const int fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ALL));
    if (fd < 0) {
        std::perror("lab-packets: packet socket");
        return 1;
    }
    std::printf("ready\n");
    std::fflush(stdout);
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    std::uint8_t buffer[65536];
    while (std::chrono::steady_clock::now() < end) {
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0)
            continue;
        sockaddr_ll from{};
        socklen_t from_len = sizeof from;
        const ssize_t n = recvfrom(fd, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(&from), &from_len);
        if (n <= 0 || from.sll_pkttype == PACKET_OUTGOING)
            continue;
        const std::uint16_t protocol = ntohs(from.sll_protocol);
        if (protocol == ETH_P_IP || protocol == ETH_P_IPV6) {
            std::printf("%s\n", hex_of(buffer, static_cast<std::size_t>(n)).c_str());
            std::fflush(stdout);
        }
    }
    close(fd);
    return 0;
}

// Counts the responses to our requests for a second: busy (state 6) and answered (state 0).
void count_responses(int fd, bool v4, std::uint64_t sent) {
    std::uint64_t busy = 0, answered = 0;
    std::uint8_t buffer[2048];
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    while (std::chrono::steady_clock::now() < end) {
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0)
            continue;
        const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0)
            continue;
        std::span<const std::uint8_t> icmp(buffer, static_cast<std::size_t>(n));
        if (v4)  // IPv4 raw sockets include the IP header
            icmp = icmp.subspan(std::min<std::size_t>(icmp.size(), std::size_t(buffer[0] & 0xF) * 4));
        const auto response = decode_response(icmp, v4 ? Family::v4 : Family::v6);
        if (response && response->state == RTT_STATE_BUSY)
            ++busy;
        else if (response && response->state == RTT_STATE_SUCCESS)
            ++answered;
    }
    std::printf("sent %llu busy %llu answered %llu\n", static_cast<unsigned long long>(sent),
                static_cast<unsigned long long>(busy), static_cast<unsigned long long>(answered));
}

int flood(const std::string& source_text, double seconds, std::uint64_t count, unsigned ttl,
          const std::string& target_text) {
    const auto source = IpAddress::parse(source_text), target = IpAddress::parse(target_text);
    if (!source || !target || source->family() != target->family()) {
        std::fprintf(stderr, "lab-packets: give a source and a target of one family\n");
        return 2;
    }
    const bool v4 = target->is_v4();
    const int fd = socket(v4 ? AF_INET : AF_INET6, SOCK_RAW, v4 ? int(IPPROTO_ICMP) : int(IPPROTO_ICMPV6));
    socklen_t length = 0;
    const auto from = socket_address(*source, length);
    if (fd < 0 || bind(fd, reinterpret_cast<const sockaddr*>(&from), length) != 0) {
        std::perror("lab-packets: raw socket bound to the source");
        return 1;
    }
    const auto to = socket_address(*target, length);
    std::uint64_t sent = 0;
    const auto start = std::chrono::steady_clock::now();
    const auto end = start + std::chrono::duration<double>(seconds);
    // Valid requests a real client could send: padded, a new id each time.
    const auto send_one = [&] {
        const auto request_ttl = static_cast<std::uint8_t>(ttl ? ttl : 1 + sent % 8);
        const Request r{static_cast<std::uint16_t>(1 + sent % 65000), request_ttl, RTT_IPPROTO_UDP, 0};
        const auto message = encode_request(r, *source, *target, RTT_RESPONSE_SUCCESS_LEN);
        sendto(fd, message.data(), message.size(), 0, reinterpret_cast<const sockaddr*>(&to), length);
        ++sent;
    };
    if (count) {
        while (sent < count)
            send_one();
        count_responses(fd, v4, sent);
        close(fd);
        return 0;
    }
    std::signal(SIGTERM, [](int) { g_stop = true; });
    while (!g_stop && std::chrono::steady_clock::now() < end)
        for (int burst = 0; burst < 64; ++burst)
            send_one();
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%llu requests in %.1f s: %.0f/s\n", static_cast<unsigned long long>(sent), elapsed,
                static_cast<double>(sent) / elapsed);
    close(fd);
    return 0;
}

// Marker traffic from SOURCE to DESTINATION that answers no probe of ours: what a router running
// the server forwards for others. Each is sent, and printed in hex.
int markers(const std::string& source_text, const std::string& destination_text) {
    const auto c = IpAddress::parse(source_text), s = IpAddress::parse(destination_text);
    if (!c || !s || c->family() != s->family()) {
        std::fprintf(stderr, "lab-packets: give a source and a destination of one family\n");
        return 2;
    }
    const bool v4 = c->is_v4();
    const std::uint8_t icmp = v4 ? RTT_IPPROTO_ICMP : RTT_IPPROTO_ICMPV6;
    // The quoted probes: as if S had sent them to C (UDP from port 1021, an ICMP echo with
    // sequence 0xFFFF), with the 8 bytes an ICMP error quotes.
    const Bytes udp_probe = {0x03, 0xfd, 0x00, 0x35, 0x00, 0x10, 0x12, 0x34};
    const Bytes echo_probe = {v4 ? std::uint8_t(8) : std::uint8_t(128), 0, 0xbe, 0xaf, 0x12, 0x34, 0xff, 0xff};
    const auto quote = [&](const Bytes& probe, std::uint8_t protocol) {
        return wrap_in_ip(protocol, *s, *c, 3, probe);
    };
    // C to S, with a nonzero IPv4 ID: the kernel would fill in a zero one, and we compare bytes.
    const auto outer = [&](std::uint8_t protocol, const Bytes& message) {
        return wrap_in_ip(protocol, *c, *s, 64, message, 0, false, 0x5254);
    };
    const auto error = [&](std::uint8_t type, std::uint8_t code, const Bytes& quoted) {
        Bytes m = {type, code, 0, 0, 0, 0, 0, 0};
        m.insert(m.end(), quoted.begin(), quoted.end());
        return outer(icmp, with_checksum(m, 2, icmp, *c, *s));
    };
    std::vector<Bytes> packets;
    // A plain echo reply (code 0) with sequence 0xFFFF.
    packets.push_back(outer(
        icmp, with_checksum({v4 ? std::uint8_t(0) : std::uint8_t(129), 0, 0, 0, 0x12, 0x34, 0xff, 0xff, 1, 2, 3, 4}, 2,
                            icmp, *c, *s)));
    // Fragmentation needed (IPv6: port unreachable) quoting UDP from port 1021; time exceeded
    // quoting the echo.
    packets.push_back(v4 ? error(3, 4, quote(udp_probe, RTT_IPPROTO_UDP))
                         : error(1, 4, quote(udp_probe, RTT_IPPROTO_UDP)));
    packets.push_back(error(v4 ? 11 : 3, 0, quote(echo_probe, icmp)));
    // SYN-ACK and RST-ACK to port 1021.
    for (const std::uint8_t flags : {std::uint8_t(0x12), std::uint8_t(0x14)}) {
        Bytes tcp = {0x00, 0x50, 0x03, 0xfd, 0, 0, 0, 1, 0x00, 0x00, 0x12, 0x35, 0x50, flags, 0x04, 0x00, 0, 0, 0, 0};
        packets.push_back(outer(RTT_IPPROTO_TCP, with_checksum(tcp, 16, RTT_IPPROTO_TCP, *c, *s)));
    }
    // A reverse traceroute request to another host.
    packets.push_back(outer(icmp, encode_request({0x4321, 3, RTT_IPPROTO_UDP, 0}, *c, *s, 36)));
    std::vector<std::string> hex;
    for (const auto& p : packets) {
        hex.push_back(hex_of(p.data(), p.size()));
        std::printf("%s\n", hex.back().c_str());
    }
    return send_packets(hex);
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"lab-packets: hand-made traffic for the lab's server safety tests"};
    app.require_subcommand(1);
    std::vector<std::string> packets;
    auto* send = app.add_subcommand("send", "send IP packets given in hex");
    send->add_option("PACKET", packets)->required();
    double seconds = 1;
    auto* cap = app.add_subcommand("capture", "print received IP packets in hex");
    cap->add_option("SECONDS", seconds)->required();
    std::string source, target;
    std::uint64_t count = 0;
    unsigned ttl = 0;
    auto* fl = app.add_subcommand("flood", "send requests as fast as possible, or a number of them");
    fl->add_option("--source", source)->required();
    fl->add_option("--seconds", seconds);
    fl->add_option("--count", count);
    fl->add_option("--ttl", ttl)->check(CLI::Range(1u, 255u));
    fl->add_option("TARGET", target)->required();
    std::string destination;
    auto* mk = app.add_subcommand("markers", "send marker traffic that answers no probe");
    mk->add_option("SOURCE", source)->required();
    mk->add_option("DESTINATION", destination)->required();
    CLI11_PARSE(app, argc, argv);
    if (*send)
        return send_packets(packets);
    if (*cap)
        return capture(seconds);
    if (*mk)
        return markers(source, destination);
    return flood(source, seconds, count, ttl, target);
}
