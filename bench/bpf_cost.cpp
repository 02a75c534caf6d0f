// SPDX-License-Identifier: MIT
// bpf-cost: the server program's cost per packet, measured by the kernel through
// BPF_PROG_TEST_RUN on this machine (no network involved):
//   (a) a packet that is not ours passing through,
//   (b) a request turned into a probe (a new session each time),
//   (c) an answer (Time Exceeded) turned into a response.
// the instructions the verifier processed to load it, and the kernel memory of a session
// table of 1,000,000 entries. bench/bpf_cost_vs_previous.sh builds this same file against an
// earlier revision's program and runs both in one sitting.
// (a) uses the kernel's own repeat loop; (b) and (c) need a fresh session per packet, so each
// packet is one run and the kernel-reported durations are averaged.
#include <bpf/bpf.h>
#include <fmt/format.h>

#include <fstream>
#include <string>

#include "bpf_test_env.h"
#include "counters.h"
#include "hex.h"

extern "C" {
#include "protocol.h"
}

using namespace rtt;
using namespace rtt::test;

namespace {

std::string memlock_of(int fd) {
    std::ifstream in("/proc/self/fdinfo/" + std::to_string(fd));
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("memlock:", 0) == 0)
            return line.substr(8);
    return "?";
}

}  // namespace

int main(int argc, char** argv) {
    const int packets = argc > 1 ? std::stoi(argv[1]) : 200000;
    if (!bpf_skip_reason().empty()) {
        fmt::print(stderr, "bpf-cost: {}\n", bpf_skip_reason());
        return 77;
    }
    server::ServerConfig config;
    config.interface = "lo";
    config.max_sessions = static_cast<std::uint32_t>(packets) + 16;
    config.source_rate = 0;
    config.global_rate = 0;
    ServerUnderTest s(config);
    const auto a = v4_addresses();
    bpf_prog_info info{};
    std::uint32_t info_len = sizeof info;
    bpf_obj_get_info_by_fd(s.program().program_fd(), &info, &info_len);
    fmt::print("verifier: {} instructions processed, {} translated\n", info.verified_insns, info.xlated_prog_len / 8);

    std::uint32_t ns = 0;
    const auto unrelated =
        ethernet_frame(wrap_in_ip(RTT_IPPROTO_UDP, a.client, a.server, 64, test::hex("c3 50 00 35 00 08 00 00")));
    s.run(unrelated, packets, &ns);
    fmt::print("(a) pass-through, unrelated UDP:   {:6} ns/packet  (repeat {})\n", ns, packets);

    // (b) and (c) are timed one packet per run; the same single-run timing of (a) shows how
    // much of such a figure is the measurement itself.
    const int rounds = std::min(packets, 60000);
    std::uint64_t single_total = 0;
    for (int i = 0; i < rounds; ++i) {
        s.run(unrelated, 1, &ns);
        single_total += ns;
    }
    fmt::print("    the same, timed one packet per run: {:6} ns/packet  ({} packets)\n",
               single_total / static_cast<std::uint64_t>(rounds), rounds);

    std::uint64_t probe_total = 0, answer_total = 0;
    for (int i = 0; i < rounds; ++i) {
        const auto id = static_cast<std::uint16_t>(i + 1);
        auto request = ethernet_frame(wrap_in_ip(RTT_IPPROTO_ICMP, a.client, a.server, 60,
                                                 encode_request({id, 5, RTT_IPPROTO_UDP, 1234}, a.client, a.server)));
        // As received from Ethernet: padded to the 60-byte minimum frame.
        request.resize(std::max<std::size_t>(request.size(), 60), 0);
        const auto probe = s.run(request, 1, &ns);
        probe_total += ns;
        auto quote = Bytes(probe.frame.begin() + 14, probe.frame.begin() + 14 + 28);
        quote[8] = 1;
        Bytes icmp = test::hex("0b 00 00 00 00 00 00 00");
        icmp.insert(icmp.end(), quote.begin(), quote.end());
        const auto answer = ethernet_frame(wrap_in_ip(RTT_IPPROTO_ICMP, a.hop, a.server, 250, icmp));
        s.run(answer, 1, &ns);
        answer_total += ns;
    }
    const auto counters = s.counters();
    fmt::print(stderr, "counters: {}\n", server::format_counters(counters));
    fmt::print("(b) request -> probe (UDP):        {:6} ns/packet  ({} packets, {} probes sent)\n",
               probe_total / static_cast<std::uint64_t>(rounds), rounds, counters[RTT_CNT_PROBES_UDP]);
    fmt::print("(c) answer -> response:            {:6} ns/packet  ({} packets, {} responses)\n",
               answer_total / static_cast<std::uint64_t>(rounds), rounds, counters[RTT_CNT_ANSWERS]);

    server::ServerConfig big = config;
    big.max_sessions = 1'000'000;
    server::ServerProgram program(big);
    fmt::print("session table of 1,000,000 entries: memlock {} bytes\n", memlock_of(program.sessions_fd()));
    return 0;
}
