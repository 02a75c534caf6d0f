// SPDX-License-Identifier: MIT
// One command line of the prober service (issue 27; the service itself is not built yet): a JSON
// object per line, version 1, naming a trace or a one-hop probe with the client's own option
// names, or cancelling one, or shutting down. The options go through the client's command-line
// parser, so they mean what they mean on the command line and are refused with the same
// sentences; options that write files, send elsewhere or need a terminal are refused, and a
// target that is not a host name or address never reaches a parser or a resolver.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

#include "cli/options.h"

namespace rtt::client {

// A command the prober refuses, in one sentence.
class ProberCommandError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct ProberCommand {
    enum class Kind { trace, probe, cancel, shutdown };
    Kind kind = Kind::shutdown;
    std::string id;         // names the trace in its events (trace, probe, cancel)
    ClientOptions options;  // trace and probe: as the command line would give them
    int ttl = 0;            // probe: the one TTL probed
    // Where the reverse half is traced from, when not the target itself: another host running a
    // reverse traceroute server (a campaign's per-line server, one near a target that runs none).
    std::string server;
};

// The longest command line the prober reads.
constexpr std::size_t kMaxProberCommandBytes = 65536;
constexpr int kProberProtocolVersion = 1;

// Parses one line; throws ProberCommandError.
ProberCommand parse_prober_command(std::string_view line);

}  // namespace rtt::client
