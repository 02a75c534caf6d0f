// SPDX-License-Identifier: MIT
// SIGINT and SIGTERM read from a descriptor, so that a loop waiting on sockets wakes for them
// and ends its traces cleanly (what was found is kept) instead of dying.
#pragma once

#include <signal.h>

namespace rtt::client {

// SIGINT and SIGTERM, blocked and readable from a descriptor while it lives; on the way out
// they are unblocked, so that a second Ctrl-C while the results are written ends the program.
class StopSignals {
public:
    StopSignals();
    ~StopSignals();
    StopSignals(const StopSignals&) = delete;
    StopSignals& operator=(const StopSignals&) = delete;

    int fd() const { return fd_; }
    // The signal that arrived, or 0.
    int received() const;

private:
    sigset_t signals_{};
    sigset_t previous_{};
    int fd_ = -1;
};

}  // namespace rtt::client
