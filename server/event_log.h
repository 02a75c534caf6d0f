// SPDX-License-Identifier: MIT
// Prints the program's ring-buffer events (--verbose), one line each.
#pragma once

#include <string>

extern "C" {
#include "rtt_server.h"
}

struct ring_buffer;

namespace rtt::server {

std::string format_event(const rtt_event& event);

class EventLog {
public:
    explicit EventLog(int ringbuf_fd);
    ~EventLog();
    EventLog(const EventLog&) = delete;
    EventLog& operator=(const EventLog&) = delete;
    // Waits up to timeout_ms for events and prints them.
    void poll(int timeout_ms);

private:
    ring_buffer* ring_ = nullptr;
};

}  // namespace rtt::server
