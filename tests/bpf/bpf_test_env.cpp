// SPDX-License-Identifier: MIT
#include "bpf_test_env.h"

#include <bpf/bpf.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>

namespace rtt::test {

const std::string& bpf_skip_reason() {
    static const std::string reason = [] {
        if (geteuid() != 0)
            return std::string("skipped: BPF_PROG_TEST_RUN of the server program needs root (CAP_BPF, CAP_NET_ADMIN)");
        // A private network namespace: the program's FIB lookups and clones stay inside it.
        if (unshare(CLONE_NEWNET) != 0)
            return std::string("skipped: cannot create a network namespace (unshare CLONE_NEWNET failed)");
        return std::string();
    }();
    return reason;
}

Bytes ethernet_frame(const Bytes& ip_packet) {
    Bytes f(14);
    std::copy_n(kServerMac, 6, f.begin());
    std::copy_n(kPeerMac, 6, f.begin() + 6);
    f.resize(12);
    const bool v4 = (ip_packet.at(0) >> 4) == 4;
    f.push_back(v4 ? 0x08 : 0x86);
    f.push_back(v4 ? 0x00 : 0xDD);
    f.insert(f.end(), ip_packet.begin(), ip_packet.end());
    return f;
}

ServerUnderTest::ServerUnderTest(const server::ServerConfig& config)
    : program_(std::make_unique<server::ServerProgram>(config)) {
    program_->set_local_addresses({v4_addresses().server, v6_addresses().server});
}

RunResult ServerUnderTest::run(const Bytes& frame, int repeat, std::uint32_t* duration_ns) {
    Bytes out(2048);
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(), .data_out = out.data(),
                .data_size_in = static_cast<std::uint32_t>(frame.size()),
                .data_size_out = static_cast<std::uint32_t>(out.size()), .repeat = repeat);
    const int err = bpf_prog_test_run_opts(program_->program_fd(), &opts);
    EXPECT_EQ(err, 0) << "bpf_prog_test_run_opts failed";
    out.resize(opts.data_size_out);
    if (duration_ns)
        *duration_ns = opts.duration;
    return RunResult{static_cast<int>(opts.retval), out};
}

std::size_t ServerUnderTest::session_count() const {
    std::size_t n = 0;
    rtt_session_key key{}, next{};
    const void* previous = nullptr;
    while (bpf_map_get_next_key(program_->sessions_fd(), previous, &next) == 0) {
        ++n;
        key = next;
        previous = &key;
    }
    return n;
}

Addresses v4_addresses() {
    return {*IpAddress::parse("192.0.2.1"), *IpAddress::parse("198.51.100.1"), *IpAddress::parse("203.0.113.7")};
}

Addresses v6_addresses() {
    return {*IpAddress::parse("2001:db8::1"), *IpAddress::parse("2001:db8::2"), *IpAddress::parse("2001:db8:ffff::7")};
}

}  // namespace rtt::test
