// SPDX-License-Identifier: MIT
#include "privileges.h"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>

namespace rtt::prober {
namespace {

struct Capabilities {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
};

Capabilities current() {
    Capabilities caps;
    syscall(SYS_capget, &caps.header, caps.data);
    return caps;
}

}  // namespace

bool can_open_raw_sockets() {
    const Capabilities caps = current();
    return (caps.data[0].permitted & (1U << CAP_NET_RAW)) != 0;
}

void keep_only_net_raw(bool keep_net_raw) {
    // The bounding set first (needs cap_setpcap, which only a root start has; without it there
    // is nothing above cap_net_raw to drop), then the ambient set, then our own sets.
    for (int cap = 0; cap <= CAP_LAST_CAP; ++cap)
        if (!(keep_net_raw && cap == CAP_NET_RAW))
            prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    Capabilities caps = current();
    const std::uint32_t keep = keep_net_raw ? (caps.data[0].permitted & (1U << CAP_NET_RAW)) : 0;
    for (auto& data : caps.data)
        data = {};
    caps.data[0].effective = keep;
    caps.data[0].permitted = keep;
    syscall(SYS_capset, &caps.header, caps.data);
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

}  // namespace rtt::prober
