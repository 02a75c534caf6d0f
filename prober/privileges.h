// SPDX-License-Identifier: MIT
// The prober holds cap_net_raw and nothing else: every other capability is dropped at start
// (it may be started as root), none can be regained (no_new_privs), and a simulated run keeps
// none at all.
#pragma once

namespace rtt::prober {

// True when this process may open raw sockets (cap_net_raw effective or permitted).
bool can_open_raw_sockets();
// Keeps cap_net_raw (when `keep_net_raw`) and drops every other capability, for good.
void keep_only_net_raw(bool keep_net_raw);

}  // namespace rtt::prober
