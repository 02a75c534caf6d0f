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

// Entries in the program's tables now, per family of the address they are kept for, and the
// tables' sizes.
struct TableOccupancy {
    std::uint64_t sessions_v4 = 0;
    std::uint64_t sessions_v6 = 0;
    std::uint64_t sources_v4 = 0;  // per-source rate buckets (IPv6: per /64)
    std::uint64_t sources_v6 = 0;
    std::uint64_t session_capacity = 0;
    std::uint64_t source_capacity = 0;
};

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
    // Walks the session and source tables' keys (one system call per entry: at the default
    // 65,536 sessions, tens of milliseconds when full).
    TableOccupancy table_occupancy() const;
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
