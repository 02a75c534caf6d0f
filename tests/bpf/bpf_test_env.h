// SPDX-License-Identifier: MIT
// Runs the real server program on packets with BPF_PROG_TEST_RUN (katran-style fixtures: a
// frame in, the verdict and the frame out). Each test binary runs in a network namespace of
// its own, so FIB lookups and clone-redirects never touch the host's network.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "codec.h"
#include "server_config.h"
#include "server_program.h"

namespace rtt::test {

// Why privileged tests cannot run here, or empty when they can.
const std::string& bpf_skip_reason();

#define RTT_SKIP_WITHOUT_BPF()                              \
    do {                                                    \
        if (!::rtt::test::bpf_skip_reason().empty())        \
            GTEST_SKIP() << ::rtt::test::bpf_skip_reason(); \
    } while (0)

enum Verdict : int { kPass = -1, kDrop = 2, kRedirect = 7 };

struct RunResult {
    int verdict = 0;
    Bytes frame;
    Bytes ip() const { return Bytes(frame.begin() + 14, frame.end()); }
};

constexpr std::uint8_t kServerMac[6] = {0x02, 0, 0, 0, 0, 0x02};
constexpr std::uint8_t kPeerMac[6] = {0x02, 0, 0, 0, 0, 0x01};

// An Ethernet frame from the peer to the server around an IP packet.
Bytes ethernet_frame(const Bytes& ip_packet);

class ServerUnderTest {
public:
    explicit ServerUnderTest(const server::ServerConfig& config);
    RunResult run(const Bytes& frame, int repeat = 1, std::uint32_t* duration_ns = nullptr);
    server::Counters counters() const { return program_->read_counters(); }
    std::size_t session_count() const;
    server::ServerProgram& program() { return *program_; }

private:
    std::unique_ptr<server::ServerProgram> program_;
};

// The lab-free addresses of docs/protocol.md §7.
struct Addresses {
    IpAddress client, server, hop;
};
Addresses v4_addresses();
Addresses v6_addresses();

}  // namespace rtt::test
