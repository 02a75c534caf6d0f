// SPDX-License-Identifier: MIT
#include "prober_link.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "collector_error.h"

extern char** environ;

namespace rtt::collector {
namespace {

// An event line longer than this is not the prober's: the link is dropped rather than grown.
constexpr std::size_t kMaxEventLine = std::size_t{64} << 20;

}  // namespace

ProberLink::ProberLink(int read_fd, int write_fd, pid_t child) : read_fd_(read_fd), write_fd_(write_fd), child_(child) {
    if (pipe2(stop_pipe_, O_CLOEXEC) != 0)
        throw CollectorError(fmt::format("cannot make a pipe ({})", std::strerror(errno)));
}

std::unique_ptr<ProberLink> ProberLink::connect(const std::string& socket_path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (socket_path.size() >= sizeof address.sun_path)
        throw CollectorError(
            fmt::format("the prober socket path {} is too long: give a shorter --prober-socket", socket_path));
    std::memcpy(address.sun_path, socket_path.c_str(), socket_path.size() + 1);
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        const int error = errno;
        if (fd >= 0)
            ::close(fd);
        throw CollectorError(
            fmt::format("cannot reach the prober at {} ({}): start reverse-traceroute-prober "
                        "--listen {} (reverse-traceroute-prober.service), or check its permissions",
                        socket_path, std::strerror(error), socket_path));
    }
    const int second = dup(fd);
    return std::unique_ptr<ProberLink>(new ProberLink(fd, second, -1));
}

std::unique_ptr<ProberLink> ProberLink::start(const std::vector<std::string>& argv) {
    int to_child[2];
    int from_child[2];
    if (pipe2(to_child, O_CLOEXEC) != 0)
        throw CollectorError(fmt::format("cannot make a pipe ({})", std::strerror(errno)));
    if (pipe2(from_child, O_CLOEXEC) != 0) {
        ::close(to_child[0]);
        ::close(to_child[1]);
        throw CollectorError(fmt::format("cannot make a pipe ({})", std::strerror(errno)));
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, to_child[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, from_child[1], STDOUT_FILENO);
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const auto& word : argv)
        args.push_back(const_cast<char*>(word.c_str()));
    args.push_back(nullptr);
    pid_t child = -1;
    const int rc = posix_spawnp(&child, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(to_child[0]);
    ::close(from_child[1]);
    if (rc != 0) {
        ::close(to_child[1]);
        ::close(from_child[0]);
        throw CollectorError(
            fmt::format("cannot start the prober {} ({}): install reverse-traceroute or give "
                        "--prober PATH",
                        argv[0], std::strerror(rc)));
    }
    return std::unique_ptr<ProberLink>(new ProberLink(from_child[0], to_child[1], child));
}

ProberLink::~ProberLink() {
    close();
    ::close(read_fd_);
    if (write_fd_ >= 0)
        ::close(write_fd_);
    ::close(stop_pipe_[0]);
    ::close(stop_pipe_[1]);
}

bool ProberLink::send(const std::string& line) {
    if (write_fd_ < 0)
        return false;
    const std::string out = line + "\n";
    std::size_t written = 0;
    while (written < out.size()) {
        const ssize_t n = ::send(write_fd_, out.data() + written, out.size() - written, MSG_NOSIGNAL);
        if (n < 0 && errno == ENOTSOCK) {
            const ssize_t w = ::write(write_fd_, out.data() + written, out.size() - written);
            if (w <= 0)
                return false;
            written += static_cast<std::size_t>(w);
            continue;
        }
        if (n <= 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        written += static_cast<std::size_t>(n);
    }
    return true;
}

std::optional<std::string> ProberLink::read_line() {
    for (;;) {
        if (const auto newline = buffer_.find('\n'); newline != std::string::npos) {
            std::string line = buffer_.substr(0, newline);
            buffer_.erase(0, newline + 1);
            return line;
        }
        if (buffer_.size() > kMaxEventLine)
            return std::nullopt;
        pollfd fds[2] = {{read_fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return std::nullopt;
        }
        if (fds[1].revents != 0)
            return std::nullopt;
        char chunk[65536];
        const ssize_t n = ::read(read_fd_, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return std::nullopt;
        buffer_.append(chunk, static_cast<std::size_t>(n));
    }
}

void ProberLink::close() {
    if (write_fd_ < 0)
        return;
    const char wake = 1;
    [[maybe_unused]] const auto ignored = ::write(stop_pipe_[1], &wake, 1);
    if (child_ > 0) {
        // A started prober ends its traces (partial measurements) and leaves at the end of its
        // input; one that does not within two seconds is stopped.
        send(R"({"v":1,"command":"shutdown"})");
        ::close(write_fd_);
        write_fd_ = -1;
        for (int i = 0; i < 200; ++i) {
            if (waitpid(child_, nullptr, WNOHANG) == child_) {
                child_ = -1;
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        kill(child_, SIGKILL);
        waitpid(child_, nullptr, 0);
        child_ = -1;
        return;
    }
    ::shutdown(write_fd_, SHUT_RDWR);
    ::close(write_fd_);
    write_fd_ = -1;
}

}  // namespace rtt::collector
