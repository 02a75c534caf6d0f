// SPDX-License-Identifier: MIT
// Where the prober service's traces run: the real network (raw sockets, the system clocks,
// SIGINT/SIGTERM) or the simulated one (sim/simulated_service_network.h), behind one seam, so
// that the service is the same program on both and tests of it need no privileges.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>

#include "cli/options.h"
#include "io/event_loop.h"
#include "io/packet_wire.h"
#include "probe/probe_codec.h"

namespace rtt::client {

class ServiceNetwork {
public:
    virtual ~ServiceNetwork() = default;
    // The loop's clock, wakeups (answers and the watched command descriptors) and stop signals.
    virtual LoopWaiter& waiter() = 0;
    virtual const Clock& clock() const = 0;
    // The target's address and this host's source address for the trace the options describe;
    // throw ClientError with one sentence.
    virtual IpAddress resolve(const ClientOptions& options) = 0;
    virtual IpAddress source_for(const IpAddress& target, const ClientOptions& options) = 0;
    // The MTU of the route to `target`, if known (probes bigger than it are refused up front).
    virtual std::optional<int> route_mtu(const IpAddress& source, const IpAddress& target,
                                         const ClientOptions& options) {
        (void)source, (void)target, (void)options;
        return std::nullopt;
    }
    // A wire for `codec`'s probes; traces running at once may share one underneath.
    virtual std::unique_ptr<PacketWire> wire_for(const ProbeCodec& codec, const ClientOptions& options) = 0;
    // The multipath engine's first flow when the options do not fix one.
    virtual std::uint16_t first_flow() = 0;
    // Blocks until a watched descriptor is readable or a stop signal came (nothing is probing).
    virtual void wait_idle() = 0;
    // A trace is about to start after an idle time (a paced simulation catches up with it).
    virtual void before_start() {}
    // One word for the events: "raw sockets" or "simulated".
    virtual const char* kind() const = 0;
};

// The real network: raw sockets (one per codec, as the client opens them), CLOCK_MONOTONIC,
// epoll over them and the command descriptors, SIGINT and SIGTERM from a signalfd.
std::unique_ptr<ServiceNetwork> real_service_network();

}  // namespace rtt::client
