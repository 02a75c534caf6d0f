// SPDX-License-Identifier: MIT
// The looking glass's line to reverse-traceroute-prober (docs/prober.md), which holds
// cap_net_raw so that the collector holds nothing: a running prober's Unix socket (the packaged
// reverse-traceroute-prober.service), or a prober the collector starts itself with an argv
// vector (never a shell). Command lines go out, event lines come in.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rtt::collector {

class ProberLink {
public:
    // Throws CollectorError (one sentence) if the socket cannot be reached.
    static std::unique_ptr<ProberLink> connect(const std::string& socket_path);
    // Starts `argv` with its stdin and stdout as the link; throws CollectorError.
    static std::unique_ptr<ProberLink> start(const std::vector<std::string>& argv);
    ~ProberLink();
    ProberLink(const ProberLink&) = delete;
    ProberLink& operator=(const ProberLink&) = delete;

    // Writes one line (a newline is added); false if the prober has gone.
    bool send(const std::string& line);
    // The next event line, blocking; nullopt when the prober has gone or close() was called.
    std::optional<std::string> read_line();
    // Ends the link: read_line returns, a started prober is told to shut down and reaped.
    void close();

private:
    ProberLink(int read_fd, int write_fd, pid_t child);

    int read_fd_;
    int write_fd_;
    int stop_pipe_[2] = {-1, -1};  // wakes read_line for close()
    pid_t child_;
    std::string buffer_;
};

}  // namespace rtt::collector
