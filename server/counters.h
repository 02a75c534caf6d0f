// SPDX-License-Identifier: MIT
// Names and one-line formatting of the program's counters.
#pragma once

#include <string>

#include "server_program.h"

namespace rtt::server {

const char* counter_name(rtt_counter counter);
// "requests=3 probes_icmp=1 ..." with every counter, in enum order.
std::string format_counters(const Counters& counters);

}  // namespace rtt::server
