// SPDX-License-Identifier: MIT
#include "counters.h"

#include <fmt/format.h>

namespace rtt::server {

const char* counter_name(rtt_counter counter) {
    switch (counter) {
    case RTT_CNT_REQUESTS: return "requests";
    case RTT_CNT_PROBES_ICMP: return "probes_icmp";
    case RTT_CNT_PROBES_TCP: return "probes_tcp";
    case RTT_CNT_PROBES_UDP: return "probes_udp";
    case RTT_CNT_STATE_ERRORS: return "error_responses";
    case RTT_CNT_ANSWERS: return "answers";
    case RTT_CNT_TIMEOUTS: return "timeouts";
    case RTT_CNT_TABLE_FULL: return "table_full";
    case RTT_CNT_DUPLICATES: return "duplicates";
    case RTT_CNT_RATE_LIMITED: return "rate_limited";
    case RTT_CNT_NOT_ALLOWED: return "not_allowed";
    case RTT_CNT_MALFORMED: return "malformed";
    case RTT_CNT_UNMATCHED: return "unmatched";
    case RTT_CNT_SEND_FAILED: return "send_failed";
    case RTT_CNT_PASSED: return "passed";
    case RTT_CNT_UNPADDED: return "unpadded";
    case RTT_CNT_BAD_CHECKSUM: return "bad_checksum";
    case RTT_CNT_SOURCE_SHARE: return "source_share_full";
    case RTT_CNT_EXTENSIONS: return "extension_refused";
    case RTT_CNT_MAX: break;
    }
    return "?";
}

std::string format_counters(const Counters& counters) {
    std::string line;
    for (int i = 0; i < RTT_CNT_MAX; ++i) {
        if (i)
            line += ' ';
        line += fmt::format("{}={}", counter_name(static_cast<rtt_counter>(i)), counters[static_cast<std::size_t>(i)]);
    }
    return line;
}

}  // namespace rtt::server
