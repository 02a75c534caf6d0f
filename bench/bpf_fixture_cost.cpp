// SPDX-License-Identifier: MIT
// bpf-fixture-cost: the server program's cost on each stateless fixture the BPF tests check
// (tests/bpf/server_fixtures.cpp), measured by the kernel through BPF_PROG_TEST_RUN. Fixtures
// that pass or drop leave the frame as it was and use the kernel's repeat loop; those the
// program rewrites are timed one packet per run (a repeat would feed the rewritten frame back).
#include <fmt/format.h>

#include "bpf_test_env.h"
#include "server_fixtures.h"

using namespace rtt;
using namespace rtt::test;

int main(int argc, char** argv) {
    const int repeat = argc > 1 ? std::stoi(argv[1]) : 100000;
    if (!bpf_skip_reason().empty()) {
        fmt::print(stderr, "bpf-fixture-cost: {}\n", bpf_skip_reason());
        return 77;
    }
    server::ServerConfig config;
    config.interface = "lo";
    config.source_rate = 0;  // thousands of runs from one source: no bucket may turn them into drops
    config.global_rate = 0;
    ServerUnderTest s(config);
    std::uint32_t ns = 0;
    for (const auto& f : stateless_server_fixtures()) {
        std::uint64_t total = 0;
        int runs = 0;
        if (f.verdict == kRedirect) {
            runs = std::min(repeat, 20000);
            for (int i = 0; i < runs; ++i) {
                s.run(f.frame, 1, &ns);
                total += ns;
            }
        } else {
            s.run(f.frame, repeat, &ns);
            total = ns;
            runs = 1;
        }
        fmt::print("{:>6} ns  {}{}\n", total / static_cast<std::uint64_t>(runs), f.name,
                   f.verdict == kRedirect ? " (one packet per run)" : "");
    }
    return 0;
}
