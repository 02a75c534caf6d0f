// SPDX-License-Identifier: MIT
#include "net/service_banner.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>

#include <fmt/format.h>

#include "net/socket_address.h"

namespace rtt::client {
namespace {

const char* state_name(ServiceBanner::State state) {
    switch (state) {
    case ServiceBanner::State::sent: return "sent";
    case ServiceBanner::State::silent: return "silent";
    case ServiceBanner::State::closed: return "closed";
    case ServiceBanner::State::filtered: return "filtered";
    case ServiceBanner::State::not_reached: return "not_reached";
    case ServiceBanner::State::failed: return "failed";
    }
    return "failed";
}

class FileDescriptor {
public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    ~FileDescriptor() {
        if (fd_ >= 0)
            ::close(fd_);
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

// Milliseconds left until `deadline`, at least 0.
int remaining_ms(std::chrono::steady_clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    return static_cast<int>(std::max<std::int64_t>(0, left.count()));
}

}  // namespace

std::string printable_banner(std::span<const std::uint8_t> bytes) {
    std::string text;
    for (const std::uint8_t byte : bytes) {
        if (byte == '\r' || byte == '\n')
            break;
        const std::string piece =
            byte >= 0x20 && byte < 0x7F ? std::string(1, static_cast<char>(byte)) : fmt::format("\\x{:02x}", byte);
        if (text.size() + piece.size() > kBannerChars)
            break;
        text += piece;
    }
    return text;
}

ServiceBanner fetch_banner(const IpAddress& source, const IpAddress& target, std::uint16_t port, double wait_s,
                           const std::string& interface) {
    ServiceBanner banner{ServiceBanner::State::failed, port, wait_s, {}};
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<std::int64_t>(wait_s * 1000));
    FileDescriptor socket(
        ::socket(target.family() == Family::v4 ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    const auto failed = [&](const char* what) {
        banner.text = fmt::format("{}: {}", what, std::strerror(errno));
        return banner;
    };
    if (socket.get() < 0)
        return failed("cannot open a TCP socket");
    if (!interface.empty())
        setsockopt(socket.get(), SOL_SOCKET, SO_BINDTODEVICE, interface.c_str(),
                   static_cast<socklen_t>(interface.size()));
    socklen_t length = 0;
    const auto local = to_sockaddr(source, 0, length);
    if (::bind(socket.get(), reinterpret_cast<const sockaddr*>(&local), length) != 0)
        return failed("cannot bind to the source address");
    const auto remote = to_sockaddr(target, port, length);
    if (::connect(socket.get(), reinterpret_cast<const sockaddr*>(&remote), length) != 0 && errno != EINPROGRESS)
        return failed("cannot connect");
    pollfd wait_for{socket.get(), POLLOUT, 0};
    if (::poll(&wait_for, 1, remaining_ms(deadline)) <= 0) {
        banner.state = ServiceBanner::State::filtered;
        return banner;
    }
    int error = 0;
    socklen_t error_length = sizeof error;
    getsockopt(socket.get(), SOL_SOCKET, SO_ERROR, &error, &error_length);
    if (error == ECONNREFUSED) {
        banner.state = ServiceBanner::State::closed;
        return banner;
    }
    if (error != 0) {
        errno = error;
        return failed("cannot connect");
    }
    // Read until a whole line (or enough for one) is there, the service closes, or time is up.
    std::array<std::uint8_t, 1024> buffer{};
    std::size_t received = 0;
    while (received < buffer.size()) {
        pollfd readable{socket.get(), POLLIN, 0};
        if (::poll(&readable, 1, remaining_ms(deadline)) <= 0)
            break;
        const ssize_t n = ::recv(socket.get(), buffer.data() + received, buffer.size() - received, 0);
        if (n <= 0)
            break;
        received += static_cast<std::size_t>(n);
        if (std::memchr(buffer.data(), '\n', received) != nullptr)
            break;
    }
    banner.state = received > 0 ? ServiceBanner::State::sent : ServiceBanner::State::silent;
    banner.text = printable_banner(std::span(buffer).first(received));
    return banner;
}

std::optional<ServiceBanner> banner_without_connection(const std::optional<Answer>& final_answer, std::uint16_t port,
                                                       double wait_s) {
    if (final_answer && final_answer->kind == AnswerKind::tcp_syn_ack)
        return std::nullopt;
    ServiceBanner banner{ServiceBanner::State::not_reached, port, wait_s, {}};
    if (final_answer && final_answer->kind == AnswerKind::tcp_reset)
        banner.state = ServiceBanner::State::closed;
    return banner;
}

std::string banner_line(const ServiceBanner& b) {
    switch (b.state) {
    case ServiceBanner::State::sent: return fmt::format("banner: port {}: {}", b.port, b.text);
    case ServiceBanner::State::silent:
        return fmt::format(
            "banner: port {} is open but sent nothing within {:g} s (a service such as HTTP or TLS waits for the "
            "client to speak first)",
            b.port, b.wait_s);
    case ServiceBanner::State::closed:
        return fmt::format("banner: port {} is closed (the connection was refused)", b.port);
    case ServiceBanner::State::filtered:
        return fmt::format("banner: port {} did not answer a connection within {:g} s (filtered)", b.port, b.wait_s);
    case ServiceBanner::State::not_reached:
        return fmt::format("banner: none: the trace did not reach TCP port {} (filtered or unreachable on the way)",
                           b.port);
    case ServiceBanner::State::failed: return fmt::format("banner: port {}: {}", b.port, b.text);
    }
    return {};
}

nlohmann::json banner_json(const ServiceBanner& b) {
    nlohmann::json json{{"port", b.port}, {"state", state_name(b.state)}};
    if (!b.text.empty())
        json["text"] = b.text;
    return json;
}

}  // namespace rtt::client
