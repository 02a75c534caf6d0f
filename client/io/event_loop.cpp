// SPDX-License-Identifier: MIT
#include "event_loop.h"

#include <signal.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "client_error.h"
#include "io/raw_socket.h"
#include "io/scheduler.h"
#include "io/stop_signals.h"

namespace rtt::client {
namespace {

class Epoll {
public:
    Epoll() : fd_(epoll_create1(EPOLL_CLOEXEC)) {
        if (fd_ < 0)
            throw ClientError(fmt::format("cannot create an epoll instance: {}", std::strerror(errno)));
    }
    ~Epoll() { ::close(fd_); }
    Epoll(const Epoll&) = delete;
    Epoll& operator=(const Epoll&) = delete;

    void watch(int fd) {
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.fd = fd;
        // EEXIST: watched already (a descriptor is dropped from the set when it is closed, so a
        // number in use again is added again).
        if (epoll_ctl(fd_, EPOLL_CTL_ADD, fd, &event) != 0 && errno != EEXIST)
            throw ClientError(fmt::format("cannot watch a socket: {}", std::strerror(errno)));
    }

    void unwatch(int fd) { epoll_ctl(fd_, EPOLL_CTL_DEL, fd, nullptr); }

    // Waits until a socket is readable or `timeout_ns` passed (negative: no limit).
    void wait(std::int64_t timeout_ns) {
        epoll_event events[16];
        timespec timeout{timeout_ns / 1'000'000'000, timeout_ns % 1'000'000'000};
        const int n = epoll_pwait2(fd_, events, 16, timeout_ns < 0 ? nullptr : &timeout, nullptr);
        if (n < 0 && errno != EINTR)
            throw ClientError(fmt::format("waiting for answers failed: {}", std::strerror(errno)));
    }

private:
    int fd_;
};

// The real network's side of the loop: epoll over the probers' sockets and the signal descriptor.
class SystemWaiter final : public LoopWaiter {
public:
    SystemWaiter() { epoll_.watch(stop_.fd()); }
    std::int64_t now_ns() const override { return monotonic_ns(); }
    void wait_until(std::int64_t until_ns) override { epoll_.wait(std::max<std::int64_t>(0, until_ns - now_ns())); }
    int stop_requested() override { return stop_.received(); }
    void watch(std::span<const int> fds) override {
        for (const int fd : fds)
            epoll_.watch(fd);
    }
    void unwatch(int fd) override { epoll_.unwatch(fd); }

private:
    StopSignals stop_;
    Epoll epoll_;
};

}  // namespace

RunEnd run_loop(std::span<ProbingTask* const> tasks, LoopWaiter& waiter, std::int64_t deadline_ns,
                const std::function<void()>& tick, std::int64_t tick_ns) {
    Scheduler scheduler(waiter);
    for (ProbingTask* task : tasks)
        scheduler.add(*task);
    return scheduler.run(deadline_ns, tick, tick_ns);
}

RunEnd run_until_finished(std::span<ProbingTask* const> tasks, std::int64_t deadline_ns,
                          const std::function<void()>& tick, std::int64_t tick_ns) {
    SystemWaiter waiter;
    return run_loop(tasks, waiter, deadline_ns, tick, tick_ns);
}

std::unique_ptr<LoopWaiter> system_waiter() {
    return std::make_unique<SystemWaiter>();
}

}  // namespace rtt::client
