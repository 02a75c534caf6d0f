// SPDX-License-Identifier: MIT
// lab-requester: a minimal reverse traceroute requester for the lab tests. For each TTL it
// sends one request (all at once) to TARGET and prints what the server answered:
//   TTL ADDRESS RTT_MS   a hop
//   TTL *                no response before the deadline
//   TTL state N          an error state
// It reuses the client codec (common/) so the lab checks the same encoding the client sends.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>

#include "codec.h"

extern "C" {
#include "protocol.h"
}

using namespace rtt;

int main(int argc, char** argv) {
    std::string target_text, protocol_text = "udp";
    int first_ttl = 1, max_ttl = 8, timeout_ms = 2000;
    unsigned flow = 0, id_base = 1000;
    CLI::App app{"lab-requester: send reverse traceroute requests, print the hops"};
    app.add_option("--protocol", protocol_text)->check(CLI::IsMember({"udp", "tcp", "icmp"}));
    app.add_option("--first-ttl", first_ttl)->check(CLI::Range(0, 255));
    app.add_option("--max-ttl", max_ttl)->check(CLI::Range(0, 255));
    app.add_option("--flow", flow)->check(CLI::Range(0u, 65535u));
    app.add_option("--id-base", id_base)->check(CLI::Range(1u, 65000u));
    app.add_option("--timeout-ms", timeout_ms);
    app.add_option("TARGET", target_text)->required();
    CLI11_PARSE(app, argc, argv);

    const auto target = IpAddress::parse(target_text);
    if (!target) {
        std::fprintf(stderr, "lab-requester: %s is not an IP address\n", target_text.c_str());
        return 2;
    }
    const bool v4 = target->is_v4();
    const std::uint8_t probe = protocol_text == "udp"   ? RTT_IPPROTO_UDP
                               : protocol_text == "tcp" ? RTT_IPPROTO_TCP
                                                        : icmp_protocol(target->family());
    const int fd = socket(v4 ? AF_INET : AF_INET6, SOCK_RAW, v4 ? int(IPPROTO_ICMP) : int(IPPROTO_ICMPV6));
    if (fd < 0) {
        std::perror("lab-requester: raw socket (needs CAP_NET_RAW)");
        return 1;
    }
    sockaddr_storage to{};
    socklen_t to_len;
    if (v4) {
        auto* s = reinterpret_cast<sockaddr_in*>(&to);
        s->sin_family = AF_INET;
        std::memcpy(&s->sin_addr, target->header_bytes().data(), 4);
        to_len = sizeof(sockaddr_in);
    } else {
        auto* s = reinterpret_cast<sockaddr_in6*>(&to);
        s->sin6_family = AF_INET6;
        std::memcpy(&s->sin6_addr, target->wire().data(), 16);
        to_len = sizeof(sockaddr_in6);
    }

    std::map<int, std::string> results;
    for (int ttl = first_ttl; ttl <= max_ttl; ++ttl) {
        const Request request{static_cast<std::uint16_t>(id_base + ttl), static_cast<std::uint8_t>(ttl), probe,
                              static_cast<std::uint16_t>(flow)};
        // The kernel fills in the ICMPv6 checksum (it knows the source); ICMPv4 has no
        // pseudo-header, so the addresses given here do not matter for either.
        const auto message = encode_request(request, *target, *target);
        sendto(fd, message.data(), message.size(), 0, reinterpret_cast<sockaddr*>(&to), to_len);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    const std::size_t expected = static_cast<std::size_t>(std::max(0, max_ttl - first_ttl + 1));
    while (results.size() < expected) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
        if (left <= 0)
            break;
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, static_cast<int>(left)) <= 0)
            continue;
        std::uint8_t buf[1500];
        const ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0)
            continue;
        std::span<const std::uint8_t> icmp(buf, static_cast<std::size_t>(n));
        if (v4) {
            const std::size_t ihl = static_cast<std::size_t>(buf[0] & 0x0F) * 4;
            if (static_cast<std::size_t>(n) < ihl)
                continue;
            icmp = icmp.subspan(ihl);
        }
        const auto response = decode_response(icmp, target->family());
        if (!response)
            continue;
        const int ttl = static_cast<int>(response->id) - static_cast<int>(id_base);
        if (ttl < first_ttl || ttl > max_ttl)
            continue;
        char line[128];
        if (response->state != RTT_STATE_SUCCESS)
            std::snprintf(line, sizeof line, "state %u", response->state);
        else
            std::snprintf(line, sizeof line, "%s %.3f", response->hop->to_string().c_str(),
                          static_cast<double>(response->timespan_ns) / 1e6);
        results[ttl] = line;
    }
    for (int ttl = first_ttl; ttl <= max_ttl; ++ttl) {
        const auto it = results.find(ttl);
        std::printf("%d %s\n", ttl, it == results.end() ? "*" : it->second.c_str());
    }
    close(fd);
    return 0;
}
