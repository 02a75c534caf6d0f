// SPDX-License-Identifier: MIT
// The loaded BPF program and its maps (RAII over the libbpf skeleton): configuration before
// load, then the allow-list, the host's addresses and the counters while it runs.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "ip_address.h"
#include "server_config.h"

extern "C" {
#include "rtt_server.h"
}

struct rtt_server_bpf;

namespace rtt::server {

using Counters = std::array<std::uint64_t, RTT_CNT_MAX>;

class ServerProgram {
public:
    // Opens, configures and loads the program; throws ServerError with a one-sentence reason.
    explicit ServerProgram(const ServerConfig& config);
    ~ServerProgram();
    ServerProgram(const ServerProgram&) = delete;
    ServerProgram& operator=(const ServerProgram&) = delete;

    int program_fd() const;
    std::uint32_t program_id() const;
    int events_fd() const;
    int sessions_fd() const;

    // Makes the local-address map equal to `addresses` (requests to other hosts pass).
    void set_local_addresses(const std::vector<IpAddress>& addresses);
    Counters read_counters() const;
    // Whether sessions expire by the program's own timer; when not, the caller must call
    // expire_sessions_now() about every tenth of the timeout.
    bool expiry_by_timer() const { return expiry_by_timer_; }
    void expire_sessions_now();

private:
    void start_expiry();
    void add_allowed_prefixes(const std::vector<std::string>& prefixes);

    rtt_server_bpf* skeleton_ = nullptr;
    std::vector<IpAddress> local_addresses_;
    bool expiry_by_timer_ = false;
};

// Routes libbpf's own messages to stderr only when `verbose`; otherwise they are dropped so
// that the user sees one sentence instead of a libbpf dump.
void set_libbpf_verbose(bool verbose);

}  // namespace rtt::server
