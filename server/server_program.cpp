// SPDX-License-Identifier: MIT
#include "server_program.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "prefix.h"
extern "C" {
#include "protocol.h"
}
#include "rtt_server_bpf.skel.h"
#include "server_error.h"

namespace rtt::server {
namespace {

bool g_libbpf_verbose = false;

int print_libbpf(enum libbpf_print_level level, const char* format, va_list args) {
    if (!g_libbpf_verbose || level == LIBBPF_DEBUG)
        return 0;
    char line[1024];
    std::vsnprintf(line, sizeof line, format, args);
    // The kernel's word when the clsact qdisc is there already (another filter, another
    // instance): expected, and handled as EEXIST, so not worth alarming an operator with.
    if (std::strstr(line, "Exclusivity flag on") != nullptr)
        return 0;
    return std::fputs(line, stderr);
}

rtt_addr to_bpf_addr(const IpAddress& address) {
    rtt_addr a{};
    std::copy_n(address.wire().begin(), 16, reinterpret_cast<std::uint8_t*>(a.words));
    return a;
}

// Each CPU's expiry ring holds the sessions that CPU created within one timeout, answered or
// not. It has room for a full table (a power of two, bpf/maps.h): 32 bytes per session and CPU.
// A CPU that creates more within one timeout refuses further requests as busy.
std::uint32_t expiry_ring_size(const ServerConfig& config) {
    std::uint32_t size = 1024;
    while (size < config.max_sessions)
        size <<= 1;
    return size;
}

[[noreturn]] void explain_load_failure(int err, const ServerConfig& config) {
    if (err == -EPERM || err == -EACCES) {
        if (geteuid() != 0)
            throw ServerError(
                "loading the BPF program needs root (CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON): run "
                "it as root or through the reverse-traceroute-v4@/-v6@ systemd units");
        throw ServerError(
            fmt::format("the kernel's verifier rejected the BPF program; run again with -v to see its log{}",
                        config.verbose ? " (above)" : ""));
    }
    if (err == -E2BIG || err == -ENOMEM)
        throw ServerError(fmt::format(
            "the kernel could not allocate a session table of {} entries; choose a smaller -n", config.max_sessions));
    throw ServerError(
        fmt::format("loading the BPF program failed ({}); run again with -v for details", std::strerror(-err)));
}

}  // namespace

void set_libbpf_verbose(bool verbose) {
    g_libbpf_verbose = verbose;
    libbpf_set_print(print_libbpf);
}

ServerProgram::ServerProgram(const ServerConfig& config) {
    libbpf_set_print(print_libbpf);
    if (libbpf_probe_bpf_helper(BPF_PROG_TYPE_SCHED_CLS, BPF_FUNC_timer_init, nullptr) == 0)
        throw ServerError("this kernel has no BPF timers, which the server needs: use Linux 5.15 or later");

    skeleton_ = rtt_server_bpf__open();
    if (!skeleton_)
        throw ServerError("could not open the embedded BPF object; run again with -v for details");

    auto* rodata = skeleton_->rodata;
    rodata->cfg_enable_v4 = config.ipv4;
    rodata->cfg_enable_v6 = config.ipv6;
    rodata->cfg_emit_events = config.verbose;
    rodata->cfg_allowlist = !config.allow.empty();
    rodata->cfg_timeout_ns = config.timeout_ns;
    rodata->cfg_source_rate = config.source_rate;
    rodata->cfg_source_burst = config.source_burst;
    rodata->cfg_global_rate = config.global_rate;
    rodata->cfg_global_burst = config.global_burst;
    rodata->cfg_min_request_len = config.require_padding ? RTT_RESPONSE_SUCCESS_LEN : RTT_REQUEST_LEN;
    rodata->cfg_source_sessions = static_cast<std::int32_t>(config.source_sessions);
    // A tenth of the timeout, so sessions live at most 10% longer than asked, within [10 ms, 1 s].
    rodata->cfg_expiry_period_ns = std::clamp<std::uint64_t>(config.timeout_ns / 10, 10'000'000, 1'000'000'000);
    bpf_map__set_max_entries(skeleton_->maps.sessions, config.max_sessions);
    const std::uint32_t cpus = static_cast<std::uint32_t>(std::max(libbpf_num_possible_cpus(), 1));
    const std::uint32_t ring = expiry_ring_size(config);
    rodata->cfg_ring_size = ring;
    rodata->cfg_nr_cpus = cpus;
    bpf_map__set_max_entries(skeleton_->maps.expiries, ring * cpus);

    if (const int err = rtt_server_bpf__load(skeleton_); err) {
        rtt_server_bpf__destroy(skeleton_);
        skeleton_ = nullptr;
        explain_load_failure(err, config);
    }
    try {
        start_expiry();
        add_allowed_prefixes(config.allow);
    } catch (...) {
        rtt_server_bpf__destroy(skeleton_);
        throw;
    }
}

ServerProgram::~ServerProgram() {
    rtt_server_bpf__destroy(skeleton_);
}

int ServerProgram::program_fd() const {
    return bpf_program__fd(skeleton_->progs.rtt_ingress);
}

std::uint32_t ServerProgram::program_id() const {
    bpf_prog_info info{};
    std::uint32_t len = sizeof info;
    bpf_obj_get_info_by_fd(program_fd(), &info, &len);
    return info.id;
}

int ServerProgram::events_fd() const {
    return bpf_map__fd(skeleton_->maps.events);
}

int ServerProgram::sessions_fd() const {
    return bpf_map__fd(skeleton_->maps.sessions);
}

void ServerProgram::add_allowed_prefixes(const std::vector<std::string>& prefixes) {
    const int fd = bpf_map__fd(skeleton_->maps.allowlist);
    for (const auto& text : prefixes) {
        const auto prefix = parse_prefix(text);
        if (!prefix)
            throw ServerError(
                fmt::format("--allow {} is not a prefix: write it as ADDRESS/LENGTH, e.g. 198.18.0.0/15", text));
        rtt_prefix_key key{prefix->length, to_bpf_addr(prefix->address)};
        const std::uint8_t yes = 1;
        if (bpf_map_update_elem(fd, &key, &yes, BPF_ANY))
            throw ServerError(fmt::format("could not add --allow {} (at most 1024 prefixes)", text));
    }
}

void ServerProgram::set_local_addresses(const std::vector<IpAddress>& addresses) {
    const int fd = bpf_map__fd(skeleton_->maps.local_addresses);
    const std::uint8_t yes = 1;
    for (const auto& old : local_addresses_) {
        if (std::find(addresses.begin(), addresses.end(), old) == addresses.end()) {
            const auto key = to_bpf_addr(old);
            bpf_map_delete_elem(fd, &key);
        }
    }
    for (const auto& address : addresses) {
        const auto key = to_bpf_addr(address);
        bpf_map_update_elem(fd, &key, &yes, BPF_ANY);
    }
    local_addresses_ = addresses;
}

Counters ServerProgram::read_counters() const {
    Counters totals{};
    const int cpus = libbpf_num_possible_cpus();
    std::vector<std::uint64_t> per_cpu(static_cast<std::size_t>(std::max(cpus, 1)));
    const int fd = bpf_map__fd(skeleton_->maps.counters);
    for (std::uint32_t i = 0; i < RTT_CNT_MAX; ++i) {
        if (bpf_map_lookup_elem(fd, &i, per_cpu.data()) == 0)
            for (auto v : per_cpu)
                totals[i] += v;
    }
    return totals;
}

namespace {

bool is_ipv4_mapped(const rtt_addr& address) {
    return address.words[0] == 0 && address.words[1] == 0 && address.words[2] == htonl(0xffff);
}

// Counts a hash table's keys by family; `address_of` finds the address in a key.
template <typename Key, typename AddressOf>
void count_keys(int fd, AddressOf address_of, std::uint64_t& v4, std::uint64_t& v6) {
    Key key{};
    Key next{};
    const Key* previous = nullptr;
    while (bpf_map_get_next_key(fd, previous, &next) == 0) {
        ++(is_ipv4_mapped(address_of(next)) ? v4 : v6);
        key = next;
        previous = &key;
    }
}

}  // namespace

TableOccupancy ServerProgram::table_occupancy() const {
    TableOccupancy occupancy;
    count_keys<rtt_session_key>(
        bpf_map__fd(skeleton_->maps.sessions), [](const rtt_session_key& key) { return key.requester; },
        occupancy.sessions_v4, occupancy.sessions_v6);
    count_keys<rtt_addr>(
        bpf_map__fd(skeleton_->maps.source_buckets), [](const rtt_addr& key) { return key; }, occupancy.sources_v4,
        occupancy.sources_v6);
    occupancy.session_capacity = bpf_map__max_entries(skeleton_->maps.sessions);
    occupancy.source_capacity = bpf_map__max_entries(skeleton_->maps.source_buckets);
    return occupancy;
}

}  // namespace rtt::server

namespace rtt::server {

// The expiry timer is set up here, its one allocation at start. Should the kernel refuse it,
// the loader runs the same expiry itself (expire_sessions_now, once per period).
void ServerProgram::start_expiry() {
    LIBBPF_OPTS(bpf_test_run_opts, opts);
    if (const int err = bpf_prog_test_run_opts(bpf_program__fd(skeleton_->progs.start_expiry), &opts); err)
        throw ServerError(
            fmt::format("could not start the session expiry ({}); run again with -v for details", std::strerror(-err)));
    expiry_by_timer_ = skeleton_->bss->expiry_error == 0;
}

void ServerProgram::expire_sessions_now() {
    LIBBPF_OPTS(bpf_test_run_opts, opts);
    bpf_prog_test_run_opts(bpf_program__fd(skeleton_->progs.expire_now), &opts);
}

}  // namespace rtt::server
