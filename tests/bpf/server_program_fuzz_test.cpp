// SPDX-License-Identifier: MIT
// Drives the loaded server program with random and mutated frames (seeded, reproducible) and
// checks what an operator relies on, issue 13:
//  - a frame that is not addressed to the server, or that is neither a request (echo request
//    code 1) nor marked as an answer to a probe, leaves untouched (TC_ACT_UNSPEC, same bytes);
//  - whatever the program sends has valid IP and transport checksums and a consistent length;
//  - every drop is counted.
// RTT_BPF_FUZZ_FRAMES sets the count (default 10^6); RTT_BPF_FUZZ_SEED the seed (default 1).
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <string>

#include "bpf_test_env.h"
#include "hex.h"

extern "C" {
#include "checksum.h"
#include "protocol.h"
}

using namespace rtt;
using namespace rtt::test;

namespace {

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
    const char* text = std::getenv(name);
    return text ? std::strtoull(text, nullptr, 10) : fallback;
}

struct Parsed {
    bool ip = false;
    int family = 0;
    IpAddress source, destination;
    std::uint8_t protocol = 0;
    std::size_t l4 = 0, l4_len = 0;
};

// The outer headers as the program is specified to read them (docs/protocol.md §4, §5).
Parsed parse(const Bytes& f) {
    Parsed p;
    if (f.size() < 14 + 20)
        return p;
    const bool v4 = f[12] == 0x08 && f[13] == 0x00, v6 = f[12] == 0x86 && f[13] == 0xDD;
    const std::size_t avail = f.size() - 14;
    if (v4 && (f[14] >> 4) == 4) {
        const std::size_t ihl = std::size_t(f[14] & 0xF) * 4, total = std::size_t(f[16]) << 8 | f[17];
        if (ihl < 20 || total < ihl || total > avail || ((f[20] << 8 | f[21]) & 0x3FFF))
            return p;
        p = {true,
             4,
             IpAddress::from_v4(std::span<const std::uint8_t, 4>(f.data() + 26, 4)),
             IpAddress::from_v4(std::span<const std::uint8_t, 4>(f.data() + 30, 4)),
             f[23],
             14 + ihl,
             total - ihl};
        return p;
    }
    if (v6 && f.size() >= 54 && (f[14] >> 4) == 6) {
        const std::size_t payload = std::size_t(f[18]) << 8 | f[19];
        if (payload + 40 > avail)
            return p;
        std::uint8_t next = f[20];
        std::size_t at = 54;
        const std::size_t end = 54 + payload;
        for (int i = 0; i < 4 && (next == 0 || next == 43 || next == 60); ++i) {
            if (at + 2 > f.size())
                return p;
            const std::uint8_t following = f[at];
            at += (std::size_t(f[at + 1]) + 1) * 8;
            next = following;
        }
        if (next == 0 || next == 43 || next == 60 || next == 44 || at > end)
            return p;
        p = {true,
             6,
             IpAddress::from_v6(std::span<const std::uint8_t, 16>(f.data() + 22, 16)),
             IpAddress::from_v6(std::span<const std::uint8_t, 16>(f.data() + 38, 16)),
             next,
             at,
             end - at};
    }
    return p;
}

// True when the program may act on the frame: addressed to the server, and a request or
// something carrying a probe marker. Everything else must pass untouched.
bool may_be_ours(const Bytes& f, const Addresses& v4, const Addresses& v6) {
    const Parsed p = parse(f);
    if (!p.ip || (p.destination != v4.server && p.destination != v6.server))
        return false;
    if (p.l4_len < 8 || p.l4 + 8 > f.size())
        return false;
    const std::uint8_t* l4 = f.data() + p.l4;
    const bool is_v4 = p.family == 4;
    if (p.protocol == (is_v4 ? RTT_IPPROTO_ICMP : RTT_IPPROTO_ICMPV6)) {
        const std::uint8_t type = l4[0], code = l4[1];
        if (type == (is_v4 ? RTT_ICMP4_ECHO_REQUEST : RTT_ICMP6_ECHO_REQUEST))
            return code == RTT_CODE;
        if (type == (is_v4 ? RTT_ICMP4_ECHO_REPLY : RTT_ICMP6_ECHO_REPLY))
            return code == 0 && l4[6] == 0xFF && l4[7] == 0xFF;
        return (type == (is_v4 ? RTT_ICMP4_TIME_EXCEEDED : RTT_ICMP6_TIME_EXCEEDED) && code == 0) ||
               type == (is_v4 ? RTT_ICMP4_DEST_UNREACH : RTT_ICMP6_DEST_UNREACH);
    }
    if (p.protocol == RTT_IPPROTO_TCP)
        return (l4[2] << 8 | l4[3]) == RTT_PROBE_SOURCE_PORT;
    return false;
}

// The checks every frame the program sends must pass.
::testing::AssertionResult well_formed_output(const Bytes& f) {
    const Parsed p = parse(f);
    if (!p.ip)
        return ::testing::AssertionFailure() << "output is not an IP packet";
    if (p.family == 4) {
        std::uint64_t sum = 0;
        for (std::size_t i = 14; i < 34; i += 2)
            sum += std::uint64_t(f[i]) << 8 | f[i + 1];
        if (rtt_csum_fold(sum) != 0xFFFF)
            return ::testing::AssertionFailure() << "bad IPv4 header checksum";
    }
    if (p.l4 + p.l4_len != f.size())
        return ::testing::AssertionFailure() << "length fields disagree with the frame";
    const Bytes l4(f.begin() + static_cast<long>(p.l4), f.end());
    if (!transport_checksum_valid(p.protocol, p.source, p.destination, l4))
        return ::testing::AssertionFailure() << "bad transport checksum (protocol " << int(p.protocol) << ")";
    return ::testing::AssertionSuccess();
}

class Generator {
public:
    explicit Generator(std::uint64_t seed) : random_(seed) {}

    Bytes next(const std::vector<Bytes>& probes) {
        Bytes frame;
        switch (pick(8)) {
        case 0: frame = request(); break;
        case 1:
        case 2: frame = answer(probes); break;
        case 3: frame = transit(probes); break;
        case 4: frame = random_bytes(); break;
        default: frame = pick(2) ? request() : answer(probes); break;
        }
        if (pick(3) != 0)
            mutate(frame);
        // BPF_PROG_TEST_RUN refuses IP frames shorter than their fixed header (the stack would
        // never hand those to tc either): extend them with random bytes.
        const std::size_t least = frame[12] == 0x86 ? 14 + 40 : 14 + 20;
        while (frame.size() < least)
            frame.push_back(static_cast<std::uint8_t>(pick(256)));
        return frame;
    }

private:
    std::size_t pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(random_); }
    const Addresses& family() { return pick(2) ? v4_ : v6_; }

    Bytes request() {
        const Addresses& a = family();
        const std::uint8_t protocols[] = {0, RTT_IPPROTO_UDP, RTT_IPPROTO_TCP, icmp_protocol(a.client.family()), 47};
        Request r{static_cast<std::uint16_t>(pick(65536)), static_cast<std::uint8_t>(pick(40)),
                  protocols[pick(std::size(protocols))], static_cast<std::uint16_t>(pick(65536))};
        const std::size_t length = pick(2) ? RTT_REQUEST_LEN : RTT_RESPONSE_SUCCESS_LEN + pick(100);
        return ethernet_frame(wrap_in_ip(icmp_protocol(a.client.family()), a.client, a.server, 60,
                                         encode_request(r, a.client, a.server, length)));
    }

    // An answer to one of the probes the program sent: the quote of an ICMP error, or a direct
    // answer from the requester.
    Bytes answer(const std::vector<Bytes>& probes) {
        if (probes.empty())
            return request();
        const Bytes& probe = probes[pick(probes.size())];
        const Parsed p = parse(probe);
        if (!p.ip)
            return request();
        const bool v4 = p.family == 4;
        const Addresses& a = v4 ? v4_ : v6_;
        const Bytes ip(probe.begin() + 14, probe.end());
        if (pick(2)) {
            Bytes icmp = {
                static_cast<std::uint8_t>(v4 ? RTT_ICMP4_TIME_EXCEEDED : RTT_ICMP6_TIME_EXCEEDED), 0, 0, 0, 0, 0, 0, 0};
            if (pick(2))
                icmp[0] = v4 ? RTT_ICMP4_DEST_UNREACH : RTT_ICMP6_DEST_UNREACH;
            icmp.insert(icmp.end(), ip.begin(), ip.begin() + static_cast<long>(std::min(ip.size(), p.l4 - 14 + 8)));
            icmp = with_checksum(icmp, 2, v4 ? RTT_IPPROTO_ICMP : RTT_IPPROTO_ICMPV6, a.hop, a.server);
            return ethernet_frame(wrap_in_ip(v4 ? RTT_IPPROTO_ICMP : RTT_IPPROTO_ICMPV6, a.hop, a.server, 250, icmp));
        }
        const Bytes l4(ip.begin() + static_cast<long>(p.l4 - 14), ip.end());
        if (p.protocol == RTT_IPPROTO_TCP) {
            Bytes tcp(20, 0);
            tcp[0] = l4[2], tcp[1] = l4[3], tcp[2] = l4[0], tcp[3] = l4[1];
            const std::uint32_t ack = (std::uint32_t(l4[4]) << 24 | l4[5] << 16 | l4[6] << 8 | l4[7]) + 1;
            tcp[8] = std::uint8_t(ack >> 24), tcp[9] = std::uint8_t(ack >> 16), tcp[10] = std::uint8_t(ack >> 8);
            tcp[11] = std::uint8_t(ack);
            tcp[12] = 5 << 4;
            tcp[13] = pick(2) ? 0x12 : 0x14;  // SYN-ACK or RST-ACK
            tcp = with_checksum(tcp, 16, RTT_IPPROTO_TCP, a.client, a.server);
            return ethernet_frame(wrap_in_ip(RTT_IPPROTO_TCP, a.client, a.server, 60, tcp));
        }
        Bytes reply(l4.begin(), l4.end());  // an echo reply to an ICMP probe
        if (reply.size() < 8)
            return request();
        reply[0] = v4 ? RTT_ICMP4_ECHO_REPLY : RTT_ICMP6_ECHO_REPLY;
        reply = with_checksum(reply, 2, v4 ? RTT_IPPROTO_ICMP : RTT_IPPROTO_ICMPV6, a.client, a.server);
        return ethernet_frame(wrap_in_ip(v4 ? RTT_IPPROTO_ICMP : RTT_IPPROTO_ICMPV6, a.client, a.server, 60, reply));
    }

    // Marker traffic between two other hosts: what a router running the server forwards.
    Bytes transit(const std::vector<Bytes>& probes) {
        Bytes f = pick(2) ? request() : answer(probes);
        const Parsed p = parse(f);
        if (p.ip) {
            const std::size_t at = p.family == 4 ? 14 + 16 : 14 + 24;
            f[at + (p.family == 4 ? 3 : 15)] ^= 0x5A;  // another destination, checksums left as they are
        }
        return f;
    }

    Bytes random_bytes() {
        Bytes f(14 + 40 + pick(120));
        for (auto& b : f)
            b = static_cast<std::uint8_t>(pick(256));
        if (f.size() >= 15) {
            const bool v4 = pick(2);
            f[12] = v4 ? 0x08 : 0x86;
            f[13] = v4 ? 0x00 : 0xDD;
            f[14] = static_cast<std::uint8_t>((v4 ? 0x45 : 0x60) | (f[14] & 0));
        }
        return f;
    }

    void mutate(Bytes& f) {
        const std::size_t n = 1 + pick(4);
        for (std::size_t i = 0; i < n && f.size() > 14; ++i) {
            switch (pick(4)) {
            case 0: f[14 + pick(f.size() - 14)] ^= static_cast<std::uint8_t>(1u << pick(8)); break;
            case 1: f[14 + pick(f.size() - 14)] = static_cast<std::uint8_t>(pick(256)); break;
            case 2: f.resize(14 + pick(f.size() - 14 + 1)); break;
            default: f.resize(f.size() + pick(16), static_cast<std::uint8_t>(pick(256))); break;
            }
        }
    }

    std::mt19937_64 random_;
    Addresses v4_ = v4_addresses(), v6_ = v6_addresses();
};

std::uint64_t counted_drops(const server::Counters& c) {
    return c[RTT_CNT_DUPLICATES] + c[RTT_CNT_RATE_LIMITED] + c[RTT_CNT_NOT_ALLOWED] + c[RTT_CNT_MALFORMED] +
           c[RTT_CNT_UNMATCHED] + c[RTT_CNT_SEND_FAILED] + c[RTT_CNT_BAD_CHECKSUM];
}

}  // namespace

TEST(ServerProgramFuzz, RandomAndMutatedFramesNeverHurtOtherTraffic) {
    RTT_SKIP_WITHOUT_BPF();
    const std::uint64_t frames = env_number("RTT_BPF_FUZZ_FRAMES", 1'000'000);
    const std::uint64_t seed = env_number("RTT_BPF_FUZZ_SEED", 1);
    server::ServerConfig config;
    config.interface = "lo";
    config.source_rate = 0;  // let every request through to the session code
    config.global_rate = 0;
    config.timeout_ns = 20'000'000;
    ServerUnderTest s(config);
    Generator generate(seed);
    const Addresses v4 = v4_addresses(), v6 = v6_addresses();
    std::vector<Bytes> probes;
    std::uint64_t passed = 0, sent = 0, dropped = 0;
    for (std::uint64_t i = 0; i < frames; ++i) {
        const Bytes frame = generate.next(probes);
        const auto r = s.run(frame);
        // Built only for a failure message: enough to replay the frame.
        const auto where = [&] {
            return "seed " + std::to_string(seed) + ", frame " + std::to_string(i) + ": " + to_hex(frame);
        };
        if (r.verdict == kPass) {
            ++passed;
            ASSERT_EQ(r.frame, frame) << "changed but passed, " << where();
            continue;
        }
        ASSERT_TRUE(may_be_ours(frame, v4, v6)) << "verdict " << r.verdict << " on a frame not ours, " << where();
        if (r.verdict == kDrop) {
            ++dropped;
            continue;
        }
        ASSERT_EQ(r.verdict, kRedirect) << where();
        ++sent;
        ASSERT_TRUE(well_formed_output(r.frame)) << where() << " -> " << to_hex(r.frame);
        const Parsed out = parse(r.frame);
        // Probes (not responses) are what later answers quote.
        const bool icmp = out.protocol == RTT_IPPROTO_ICMP || out.protocol == RTT_IPPROTO_ICMPV6;
        if (!icmp || r.frame[out.l4] == RTT_ICMP4_ECHO_REQUEST || r.frame[out.l4] == RTT_ICMP6_ECHO_REQUEST)
            probes.push_back(r.frame);
        if (probes.size() > 256)
            probes.erase(probes.begin());
    }
    EXPECT_EQ(counted_drops(s.counters()), dropped) << "every drop is counted";
    // The generator must reach every outcome, or the test proves little.
    EXPECT_GT(passed, frames / 10);
    EXPECT_GT(sent, frames / 20);
    EXPECT_GT(dropped, frames / 100);
    EXPECT_GT(s.counters()[RTT_CNT_ANSWERS], frames / 100) << "answers matched sessions";
    std::printf("%llu frames (seed %llu): %llu passed untouched, %llu sent, %llu dropped\n",
                static_cast<unsigned long long>(frames), static_cast<unsigned long long>(seed),
                static_cast<unsigned long long>(passed), static_cast<unsigned long long>(sent),
                static_cast<unsigned long long>(dropped));
}
