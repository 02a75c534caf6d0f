// SPDX-License-Identifier: MIT
#include "service/command_channel.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "client_error.h"
#include "service/prober_command.h"

namespace rtt::client {
namespace {

// Events a party may leave unread before it is let go (a trace's events are far fewer).
constexpr std::size_t kMaxBacklogBytes = std::size_t{16} * 1024 * 1024;

void set_nonblocking(int fd) {
    const int flags = fcntl(fd, F_GETFL);
    if (flags >= 0)
        fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

}  // namespace

Connection::Connection(int in_fd, int out_fd, bool owns_fds, bool blocking_output)
    : in_fd_(in_fd), out_fd_(out_fd), owns_fds_(owns_fds), blocking_output_(blocking_output) {
    set_nonblocking(in_fd_);
    if (!blocking_output_)
        set_nonblocking(out_fd_);
}

Connection::~Connection() {
    flush();
    if (owns_fds_) {
        ::close(in_fd_);
        if (out_fd_ != in_fd_)
            ::close(out_fd_);
    }
}

std::vector<std::string> Connection::read_lines() {
    std::vector<std::string> lines;
    char buffer[65536];
    for (;;) {
        const ssize_t n = ::read(in_fd_, buffer, sizeof buffer);
        if (n == 0) {
            input_ended_ = true;
            break;
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                input_ended_ = true;
            break;
        }
        for (const char c : std::string_view(buffer, static_cast<std::size_t>(n))) {
            if (c == '\n') {
                if (!discarding_)
                    lines.push_back(std::move(input_));
                input_.clear();
                discarding_ = false;
            } else if (!discarding_) {
                input_.push_back(c);
                if (input_.size() > kMaxProberCommandBytes) {
                    // Refused as it is, without keeping the rest.
                    lines.push_back(std::move(input_));
                    input_.clear();
                    discarding_ = true;
                }
            }
        }
    }
    return lines;
}

void Connection::write_line(const std::string& line) {
    if (closed_)
        return;
    output_ += line;
    output_ += '\n';
    if (output_.size() > kMaxBacklogBytes) {
        closed_ = true;  // not reading: let go
        output_.clear();
        return;
    }
    flush();
}

void Connection::flush() {
    while (!output_.empty() && !closed_) {
        const ssize_t n = ::write(out_fd_, output_.data(), output_.size());
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            closed_ = true;  // EPIPE: the reader is gone
            output_.clear();
            return;
        }
        output_.erase(0, static_cast<std::size_t>(n));
    }
}

UnixListener::UnixListener(const std::string& path, unsigned mode) : path_(path) {
    sockaddr_un address{};
    if (path.empty() || path.size() >= sizeof address.sun_path)
        throw ClientError(
            fmt::format("--listen {}: give a socket path of 1 to {} characters", path, sizeof address.sun_path - 1));
    struct stat existing {};
    if (lstat(path.c_str(), &existing) == 0) {
        if (!S_ISSOCK(existing.st_mode))
            throw ClientError(
                fmt::format("--listen {}: a file that is not a socket is there: remove it or give "
                            "another path",
                            path));
        ::unlink(path.c_str());  // left by an earlier prober
    }
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd_ < 0)
        throw ClientError(fmt::format("cannot make a Unix socket: {}", std::strerror(errno)));
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.c_str(), path.size());
    // The socket is made with no permissions for anyone, then given `mode`: nobody connects
    // between the two steps.
    const mode_t previous = ::umask(0777);
    const int bound = ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    const int bind_errno = errno;
    ::umask(previous);
    if (bound != 0) {
        ::close(fd_);
        throw ClientError(
            fmt::format("--listen {}: {}: give a path in a directory you may write", path, std::strerror(bind_errno)));
    }
    if (::chmod(path.c_str(), mode) != 0 || ::listen(fd_, 16) != 0) {
        const int error = errno;
        ::close(fd_);
        ::unlink(path.c_str());
        throw ClientError(fmt::format("--listen {}: {}", path, std::strerror(error)));
    }
}

UnixListener::~UnixListener() {
    ::close(fd_);
    ::unlink(path_.c_str());
}

std::vector<std::unique_ptr<Connection>> UnixListener::accept_all() {
    std::vector<std::unique_ptr<Connection>> accepted;
    for (;;) {
        const int fd = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            break;
        }
        accepted.push_back(std::make_unique<Connection>(fd, fd, true, false));
    }
    return accepted;
}

}  // namespace rtt::client
