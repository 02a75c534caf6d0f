// SPDX-License-Identifier: MIT
// The server program's stateless cases as a table of fixtures: a frame in, the verdict, and the
// frame out (or "unchanged"). Shared by the BPF tests (server_fixtures_test.cpp), which check
// each, and by bench/bpf_cost.cpp, which times each. A fixture's expected output is built with
// common/codec.cpp, so each implementation checks the other.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bpf_test_env.h"

namespace rtt::test {

struct ServerFixture {
    std::string name;
    Bytes frame;
    int verdict = kPass;
    // The frame the program must leave; for kPass, the input itself. Empty for kDrop.
    Bytes output;
};

// Every fixture runs on a server with the default configuration and the addresses of
// v4_addresses() / v6_addresses() as its own; none creates a session.
std::vector<ServerFixture> stateless_server_fixtures();

// An Ethernet frame from the server back to the peer (the test namespace has no route, so the
// program returns frames to the neighbour they came from).
Bytes ethernet_frame_to_peer(const Bytes& ip_packet);

}  // namespace rtt::test
