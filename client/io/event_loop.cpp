// SPDX-License-Identifier: MIT
#include "event_loop.h"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <stdexcept>

#include <fmt/format.h>

#include "client_error.h"
#include "io/raw_socket.h"
#include "io/scheduler.h"

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
        if (epoll_ctl(fd_, EPOLL_CTL_ADD, fd, &event) != 0)
            throw ClientError(fmt::format("cannot watch a socket: {}", std::strerror(errno)));
    }

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

// SIGINT and SIGTERM, blocked and readable from a descriptor while it lives; on the way out
// they are unblocked, so that a second Ctrl-C while the results are written ends the program.
class StopSignals {
public:
    StopSignals() {
        sigemptyset(&signals_);
        sigaddset(&signals_, SIGINT);
        sigaddset(&signals_, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &signals_, &previous_);
        fd_ = signalfd(-1, &signals_, SFD_NONBLOCK | SFD_CLOEXEC);
        if (fd_ < 0)
            throw ClientError(fmt::format("cannot watch for Ctrl-C: {}", std::strerror(errno)));
    }
    ~StopSignals() {
        ::close(fd_);
        pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
    }
    StopSignals(const StopSignals&) = delete;
    StopSignals& operator=(const StopSignals&) = delete;

    int fd() const { return fd_; }
    // The signal that arrived, or 0.
    int received() const {
        signalfd_siginfo info{};
        return ::read(fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info) ? static_cast<int>(info.ssi_signo)
                                                                                    : 0;
    }

private:
    sigset_t signals_{};
    sigset_t previous_{};
    int fd_ = -1;
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
            if (watched_.insert(fd).second)
                epoll_.watch(fd);
    }

private:
    StopSignals stop_;
    Epoll epoll_;
    std::set<int> watched_;  // a prober's sockets serve every round of a -c report
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
