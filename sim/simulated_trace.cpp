// SPDX-License-Identifier: MIT
#include "simulated_trace.h"

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>

#include "io/scheduler.h"
#include "io/wire_mux.h"
#include "rounds.h"

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

namespace {

struct DirectionParts {
    client::DirectionWiring wiring;
    SimulatedDirection result;
};

}  // namespace

SimulatedTrace simulate_trace(SimulatedNetwork& network, const SimulatedTraceSpec& spec) {
    return simulate_traces(network, std::span(&spec, 1)).front();
}

std::vector<SimulatedTrace> simulate_traces(SimulatedNetwork& network, std::span<const SimulatedTraceSpec> specs,
                                            double probes_per_s, std::size_t max_running, std::size_t* peak_running) {
    // The same wiring as the client's, on the simulated network's wires and clock. The probers
    // share one wire per host and protocols, as the many traces of one process do.
    std::map<std::pair<std::string, std::vector<std::uint8_t>>, std::unique_ptr<client::WireMux>> muxes;
    const auto build = [&](const SimulatedTraceSpec& spec, TraceDirection direction) {
        const IpAddress source = network.topology().address(spec.client, spec.target.family());
        auto parts = std::make_unique<DirectionParts>();
        parts->wiring = client::wire_direction(
            direction, spec, source, spec.target, spec.forward_identifier,
            [&](const client::ProbeCodec& codec) {
                const auto answers = codec.answer_protocols();
                std::vector<std::uint8_t> protocols(answers.begin(), answers.end());
                auto& mux = muxes[{spec.client, protocols}];
                if (!mux)
                    mux = std::make_unique<client::WireMux>(network.attach(spec.client, protocols));
                return mux->endpoint(codec.destination());
            },
            network.clock());
        parts->wiring.new_engine(spec, parts->result.record, true);
        return parts;
    };
    struct Trace {
        std::unique_ptr<DirectionParts> forward, reverse;
        int unfinished = 0;  // its directions still running
    };
    std::vector<Trace> traces(specs.size());
    for (std::size_t i = 0; i < specs.size(); ++i) {
        if (specs[i].forward)
            traces[i].forward = build(specs[i], TraceDirection::forward);
        if (specs[i].reverse)
            traces[i].reverse = build(specs[i], TraceDirection::reverse);
    }
    if (specs.empty())
        return {};
    const std::int64_t start = network.clock().monotonic_ns();
    std::optional<SimulatedStop> stop = specs[0].stop;
    if (stop)
        stop->at_ns += start;
    SimulatedWaiter waiter(network, stop);
    client::Scheduler scheduler(waiter, probes_per_s);
    // Traces start in order, at most `max_running` at once: the next as soon as one has ended,
    // from the scheduler's `done` (as a campaign keeps its concurrency).
    std::size_t next = 0, running = 0, peak = 0;
    std::function<void()> start_more = [&] {
        while (next < traces.size() && (max_running == 0 || running < max_running)) {
            Trace& trace = traces[next++];
            std::vector<client::ProbingTask*> tasks;
            for (auto* parts : {trace.forward.get(), trace.reverse.get()})
                if (parts)
                    for (client::ProbingTask* task : parts->wiring.tasks())
                        tasks.push_back(task);
            trace.unfinished = static_cast<int>(tasks.size());
            if (trace.unfinished == 0)
                continue;
            peak = std::max(peak, ++running);
            for (client::ProbingTask* task : tasks)
                scheduler.add(*task, [&] {
                    if (--trace.unfinished == 0) {
                        --running;
                        start_more();
                    }
                });
        }
    };
    start_more();
    const client::RunEnd run = scheduler.run(start + specs[0].limit_ns);
    const SimulatedRunEnd end{run.interrupted && run.signal == 0, run.signal, network.clock().monotonic_ns() - start};
    if (peak_running)
        *peak_running = peak;
    const auto take = [](DirectionParts& parts) {
        parts.result.probes_sent = parts.wiring.probes_sent();
        parts.result.probes_answered = parts.wiring.probes_answered();
        return std::move(parts.result);
    };
    std::vector<SimulatedTrace> results(specs.size());
    for (std::size_t i = 0; i < specs.size(); ++i) {
        results[i].hung = end.hung;
        results[i].stopped_by = end.stopped_by;
        results[i].simulated_ns = end.simulated_ns;
        if (traces[i].forward)
            results[i].forward = take(*traces[i].forward);
        if (traces[i].reverse)
            results[i].reverse = take(*traces[i].reverse);
    }
    return results;
}

SimulatedRounds simulate_rounds(SimulatedNetwork& network, const SimulatedTraceSpec& spec, int count,
                                std::int64_t interval_ns) {
    const IpAddress source = network.topology().address(spec.client, spec.target.family());
    struct Direction {
        client::DirectionWiring wiring;
        SimulatedRoundsDirection result;
        std::unique_ptr<client::DirectionRounds> rounds;
    };
    std::vector<std::unique_ptr<Direction>> directions;
    for (const TraceDirection which : {TraceDirection::forward, TraceDirection::reverse}) {
        if (!(which == TraceDirection::forward ? spec.forward : spec.reverse))
            continue;
        auto direction = std::make_unique<Direction>();
        direction->wiring = client::wire_direction(
            which, spec, source, spec.target, spec.forward_identifier,
            [&](const client::ProbeCodec& codec) {
                const auto protocols = codec.answer_protocols();
                return network.attach(spec.client, std::vector<std::uint8_t>(protocols.begin(), protocols.end()));
            },
            network.clock());
        direction->rounds = std::make_unique<client::DirectionRounds>(
            direction->result.record, direction->result.statistics, direction->result.vertices);
        directions.push_back(std::move(direction));
    }
    const std::int64_t start = network.clock().monotonic_ns();
    std::optional<SimulatedStop> stop = spec.stop;
    if (stop)
        stop->at_ns += start;
    SimulatedWaiter waiter(network, stop);
    client::RoundsControl control;
    SimulatedRounds rounds;
    const client::RunEnd end = client::run_rounds(
        waiter, {count, interval_ns, start + spec.limit_ns, spec.multipath}, control,
        [&] {
            std::vector<client::ProbingTask*> tasks;
            for (auto& direction : directions)
                if (direction->rounds->start_round(direction->wiring, spec))
                    for (client::ProbingTask* task : direction->wiring.tasks())
                        tasks.push_back(task);
            return tasks;
        },
        [&] { ++rounds.rounds_done; });
    rounds.interrupted = end.interrupted;
    rounds.stopped_by = end.signal;
    rounds.simulated_ns = network.clock().monotonic_ns() - start;
    for (auto& direction : directions)
        (direction->wiring.direction == TraceDirection::forward ? rounds.forward : rounds.reverse) =
            std::move(direction->result);
    return rounds;
}

}  // namespace rtt::sim
