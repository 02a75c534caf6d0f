// SPDX-License-Identifier: MIT
// The prober service's talk with its users: command lines in, event lines out, over stdin and
// stdout or over the connections to a Unix socket (whose permissions decide who may use it).
// Nothing a party sends may stall the others: reads and socket writes never block, a line
// longer than the protocol allows is refused without being kept, and a party that does not
// read its events is let go once a bounded backlog fills.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace rtt::client {

class Connection {
public:
    // `blocking_output`: stdout, written as it comes (one user, who may be a slow pipe).
    Connection(int in_fd, int out_fd, bool owns_fds, bool blocking_output);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    int input_fd() const { return in_fd_; }
    // The complete lines read so far (without their newline). An over-long line comes back as
    // one line of kMaxProberCommandBytes + 1 bytes, for the parser to refuse.
    std::vector<std::string> read_lines();
    void write_line(const std::string& line);
    // Writes what is pending without blocking.
    void flush();
    // The other end hung up, or did not read its events.
    bool closed() const { return closed_; }
    bool input_ended() const { return input_ended_; }

private:
    int in_fd_;
    int out_fd_;
    bool owns_fds_;
    bool blocking_output_;
    std::string input_;
    bool discarding_ = false;  // inside an over-long line, until its newline
    std::string output_;
    bool closed_ = false;
    bool input_ended_ = false;
};

// A listening Unix stream socket at `path`, made with `mode` (e.g. 0660); a stale socket file
// left by an earlier prober is replaced, any other file there is refused.
class UnixListener {
public:
    UnixListener(const std::string& path, unsigned mode);
    ~UnixListener();
    UnixListener(const UnixListener&) = delete;
    UnixListener& operator=(const UnixListener&) = delete;
    int fd() const { return fd_; }
    // The connections waiting, accepted.
    std::vector<std::unique_ptr<Connection>> accept_all();

private:
    std::string path_;
    int fd_ = -1;
};

}  // namespace rtt::client
