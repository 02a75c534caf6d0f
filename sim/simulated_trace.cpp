// SPDX-License-Identifier: MIT
#include "simulated_trace.h"

#include <algorithm>
#include <memory>
#include <stdexcept>

namespace rtt::sim {

namespace {

// The simulated network's side of the client's run loop: time jumps to the next event (a packet
// arriving, or what the loop waits for), and a stop (Ctrl-C, SIGTERM) can be asked for at a
// simulated time.
class SimulatedWaiter final : public client::LoopWaiter {
public:
    SimulatedWaiter(SimulatedNetwork& network, std::optional<SimulatedStop> stop) : network_(network), stop_(stop) {}
    std::int64_t now_ns() const override { return network_.clock().monotonic_ns(); }
    void wait_until(std::int64_t until_ns) override {
        std::int64_t next = until_ns;
        if (const auto event = network_.next_event_ns())
            next = std::min(next, *event);
        if (stop_)
            next = std::min(next, stop_->at_ns);
        network_.advance_to(std::max(next, now_ns()));
    }
    int stop_requested() override {
        if (!stop_ || now_ns() < stop_->at_ns)
            return 0;
        const int signal = stop_->signal;
        stop_.reset();
        return signal;
    }

private:
    SimulatedNetwork& network_;
    std::optional<SimulatedStop> stop_;
};

}  // namespace

SimulatedRunEnd run_simulated(std::span<client::ProbingTask* const> tasks, SimulatedNetwork& network,
                              std::int64_t limit_ns, std::optional<SimulatedStop> stop) {
    const std::int64_t start = network.clock().monotonic_ns();
    if (stop)
        stop->at_ns += start;
    SimulatedWaiter waiter(network, stop);
    const client::RunEnd end = client::run_loop(tasks, waiter, start + limit_ns);
    return {end.interrupted && end.signal == 0, end.signal, network.clock().monotonic_ns() - start};
}

namespace {

struct DirectionParts {
    client::DirectionWiring wiring;
    SimulatedDirection result;
};

}  // namespace

SimulatedTrace simulate_trace(SimulatedNetwork& network, const SimulatedTraceSpec& spec) {
    const Family family = spec.target.family();
    const IpAddress source = network.topology().address(spec.client, family);
    // The same wiring as the client's, on the simulated network's wires and clock.
    const auto build = [&](TraceDirection direction) {
        auto parts = std::make_unique<DirectionParts>();
        parts->wiring = client::wire_direction(
            direction, spec, source, spec.target, 4242,
            [&](const client::ProbeCodec& codec) {
                const auto protocols = codec.answer_protocols();
                return network.attach(spec.client, std::vector<std::uint8_t>(protocols.begin(), protocols.end()));
            },
            network.clock());
        parts->wiring.new_engine(spec, parts->result.record, true);
        return parts;
    };
    std::unique_ptr<DirectionParts> forward, reverse;
    if (spec.forward)
        forward = build(TraceDirection::forward);
    if (spec.reverse)
        reverse = build(TraceDirection::reverse);
    std::vector<client::ProbingTask*> tasks;
    for (auto* parts : {forward.get(), reverse.get()})
        if (parts)
            tasks.push_back(&parts->wiring.task());
    const SimulatedRunEnd end = run_simulated(tasks, network, spec.limit_ns, spec.stop);
    SimulatedTrace trace;
    trace.hung = end.hung;
    trace.stopped_by = end.stopped_by;
    trace.simulated_ns = end.simulated_ns;
    const auto take = [](DirectionParts& parts) {
        parts.result.probes_sent = parts.wiring.prober->probes_sent();
        parts.result.probes_answered = parts.wiring.prober->probes_answered();
        return std::move(parts.result);
    };
    if (forward)
        trace.forward = take(*forward);
    if (reverse)
        trace.reverse = take(*reverse);
    return trace;
}

}  // namespace rtt::sim
