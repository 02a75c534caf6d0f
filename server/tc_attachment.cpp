// SPDX-License-Identifier: MIT
#include "tc_attachment.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fmt/format.h>
#include <net/if.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <utility>

#include "server_error.h"

namespace rtt::server {
namespace {

constexpr std::uint32_t kFilterHandle = 0x5254;  // "RT"

bpf_tc_hook ingress_hook(int ifindex) {
    bpf_tc_hook hook{};
    hook.sz = sizeof hook;
    hook.ifindex = ifindex;
    hook.attach_point = BPF_TC_INGRESS;
    return hook;
}

bpf_tc_opts filter_opts(std::uint32_t priority) {
    bpf_tc_opts opts{};
    opts.sz = sizeof opts;
    opts.handle = kFilterHandle;
    opts.priority = priority;
    return opts;
}

// The program expects an Ethernet header (ARPHRD_ETHER; loopback has one too).
bool has_ethernet_header(const std::string& interface) {
    std::ifstream type_file("/sys/class/net/" + interface + "/type");
    int type = -1;
    type_file >> type;
    return type == 1 || type == 772 || type == -1;  // -1: no sysfs, let the attach decide
}

std::string family_names(bool ipv4, bool ipv6) {
    return ipv4 && ipv6 ? "IPv4 and IPv6" : ipv4 ? "IPv4" : "IPv6";
}

void detach_filter(int ifindex, std::uint32_t priority) {
    auto hook = ingress_hook(ifindex);
    auto opts = filter_opts(priority);
    bpf_tc_detach(&hook, &opts);  // nothing there is fine too
}

std::uint32_t program_id_of(int fd) {
    bpf_prog_info info{};
    std::uint32_t len = sizeof info;
    return bpf_obj_get_info_by_fd(fd, &info, &len) == 0 ? info.id : 0;
}

}  // namespace

std::uint32_t filter_priority(bool ipv4, bool ipv6) {
    if (ipv4 && ipv6)
        return 0x7200;
    return ipv4 ? 0x7204 : 0x7206;
}

std::uint32_t attached_program_id(int ifindex, std::uint32_t priority) {
    auto hook = ingress_hook(ifindex);
    auto opts = filter_opts(priority);
    if (bpf_tc_query(&hook, &opts) != 0)
        return 0;
    return opts.prog_id;
}

TcAttachment::TcAttachment(const std::string& interface, bool ipv4, bool ipv6, int program_fd)
    : priority_(filter_priority(ipv4, ipv6)), program_id_(program_id_of(program_fd)) {
    ifindex_ = static_cast<int>(if_nametoindex(interface.c_str()));
    if (ifindex_ == 0)
        throw ServerError(fmt::format("there is no interface named '{}': pick one from `ip link`", interface));

    if (!has_ethernet_header(interface))
        throw ServerError(
            fmt::format("{} has no Ethernet header (an L3 device such as WireGuard or tun), which the "
                        "server does not support yet: serve on the Ethernet interface instead",
                        interface));
    auto hook = ingress_hook(ifindex_);
    if (const int err = bpf_tc_hook_create(&hook); err && err != -EEXIST)
        throw ServerError(fmt::format("could not add the clsact qdisc to {} ({}); run again with -v for details",
                                      interface, std::strerror(-err)));
    const auto refuse = [&](bool other_ipv4, bool other_ipv6) {
        return ServerError(fmt::format(
            "another reverse-traceroute-server already serves {} on {}: stop it first (its units: systemctl stop "
            "reverse-traceroute-v4@{} reverse-traceroute-v6@{}), or serve the other family with -4 or -6",
            family_names(other_ipv4, other_ipv6), interface, interface, interface));
    };
    claim_ = InstanceClaim::take(ifindex_, priority_);
    if (!claim_)
        throw refuse(ipv4, ipv6);
    // The other family sets' filters: a live instance serving a family we would serve refuses us;
    // an unclaimed filter was left by a killed instance and would shadow ours (the v4+v6 filter
    // runs first), so it goes.
    for (const auto& [other_ipv4, other_ipv6] : {std::pair{true, true}, {true, false}, {false, true}}) {
        const std::uint32_t other = filter_priority(other_ipv4, other_ipv6);
        if (other == priority_)
            continue;
        if (InstanceClaim::take(ifindex_, other))
            detach_filter(ifindex_, other);
        else if ((ipv4 && other_ipv4) || (ipv6 && other_ipv6))
            throw refuse(other_ipv4, other_ipv6);
    }
    auto opts = filter_opts(priority_);
    opts.prog_fd = program_fd;
    // REPLACE takes over the filter a killed instance with our family set left behind.
    opts.flags = BPF_TC_F_REPLACE;
    if (const int err = bpf_tc_attach(&hook, &opts); err)
        throw ServerError(fmt::format("could not attach to the ingress of {} ({}); run again with -v for details",
                                      interface, std::strerror(-err)));
}

TcAttachment::~TcAttachment() {
    // Only detach our own program: another instance may have replaced it in the meantime.
    if (attached_program_id(ifindex_, priority_) != program_id_)
        return;
    auto hook = ingress_hook(ifindex_);
    auto opts = filter_opts(priority_);
    bpf_tc_detach(&hook, &opts);
}

}  // namespace rtt::server
