// SPDX-License-Identifier: MIT
#include "event_log.h"

#include <bpf/libbpf.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

#include "counters.h"
#include "ip_address.h"
#include "server_error.h"

namespace rtt::server {
namespace {

std::string address(const rtt_addr& a) {
    std::array<std::uint8_t, 16> bytes{};
    std::copy_n(reinterpret_cast<const std::uint8_t*>(a.words), 16, bytes.begin());
    return IpAddress::from_wire(bytes).to_string();
}

int print_event(void*, void* data, std::size_t size) {
    if (size >= sizeof(rtt_event))
        std::fprintf(stderr, "%s\n", format_event(*static_cast<const rtt_event*>(data)).c_str());
    return 0;
}

}  // namespace

std::string format_event(const rtt_event& e) {
    const auto who = fmt::format("{} id {}", address(e.requester), e.id);
    switch (e.kind) {
    case RTT_EVENT_PROBE: return fmt::format("probe    {} ttl {} protocol {}", who, e.ttl, e.protocol);
    case RTT_EVENT_ANSWER:
        return fmt::format("answer   {} ttl {} hop {} after {:.3f} ms", who, e.ttl, address(e.hop),
                           static_cast<double>(e.timespan_ns) / 1e6);
    case RTT_EVENT_REJECTED:
        return fmt::format("rejected {} ttl {} protocol {}: state {}", who, e.ttl, e.protocol, e.state);
    case RTT_EVENT_DROPPED:
        return fmt::format("dropped  {}: {}", who, counter_name(static_cast<rtt_counter>(e.reason)));
    case RTT_EVENT_TIMEOUT: return fmt::format("timeout  {} ttl {} protocol {}", who, e.ttl, e.protocol);
    default: return fmt::format("event {} {}", e.kind, who);
    }
}

EventLog::EventLog(int ringbuf_fd) {
    ring_ = ring_buffer__new(ringbuf_fd, print_event, nullptr, nullptr);
    if (!ring_)
        throw ServerError("could not open the event ring buffer; run again without -v");
}

EventLog::~EventLog() {
    ring_buffer__free(ring_);
}

void EventLog::poll(int timeout_ms) {
    ring_buffer__poll(ring_, timeout_ms);
}

}  // namespace rtt::server
