// SPDX-License-Identifier: MIT
#include "simulated_trace.h"

#include <algorithm>
#include <memory>
#include <stdexcept>

#include "engine/server_check.h"
#include "probe/forward_codec.h"
#include "probe/reverse_codec.h"

namespace rtt::sim {

SimulatedRunEnd run_simulated(std::span<client::ProbingTask* const> tasks, SimulatedNetwork& network,
                              std::int64_t limit_ns) {
    const std::int64_t start = network.clock().monotonic_ns();
    const auto all_finished = [&] {
        return std::all_of(tasks.begin(), tasks.end(), [](client::ProbingTask* t) { return t->finished(); });
    };
    for (client::ProbingTask* task : tasks)
        task->start();
    for (;;) {
        for (client::ProbingTask* task : tasks)
            task->prober().service();
        if (all_finished())
            return {false, network.clock().monotonic_ns() - start};
        std::optional<std::int64_t> next = network.next_event_ns();
        for (client::ProbingTask* task : tasks)
            if (const auto wakeup = task->prober().next_wakeup_ns())
                next = next ? std::min(*next, *wakeup) : *wakeup;
        // As in the real event loop: nothing pending anywhere, yet not finished, is a stall.
        if (!next)
            throw std::logic_error("a probing task stalled with nothing in flight");
        if (*next - start > limit_ns) {
            network.advance_to(start + limit_ns);
            for (client::ProbingTask* task : tasks)
                if (!task->finished())
                    task->interrupt("the simulation's time limit");
            return {true, limit_ns};
        }
        network.advance_to(*next);
    }
}

namespace {

struct DirectionParts {
    std::unique_ptr<client::Prober> prober;
    std::unique_ptr<client::ProbingTask> engine;
    std::unique_ptr<client::ServerCheck> check;
    SimulatedDirection result;

    client::ProbingTask& task() { return check ? static_cast<client::ProbingTask&>(*check) : *engine; }
};

}  // namespace

SimulatedTrace simulate_trace(SimulatedNetwork& network, const SimulatedTraceSpec& spec) {
    const Family family = spec.target.family();
    const IpAddress source = network.topology().address(spec.client, family);
    std::unique_ptr<DirectionParts> forward, reverse;
    const auto build = [&](std::unique_ptr<client::ProbeCodec> codec, const IpAddress& root) {
        auto parts = std::make_unique<DirectionParts>();
        const auto protocols = codec->answer_protocols();
        auto wire = network.attach(spec.client, std::vector<std::uint8_t>(protocols.begin(), protocols.end()));
        parts->prober =
            std::make_unique<client::Prober>(std::move(codec), spec.prober, std::move(wire), network.clock());
        if (spec.multipath)
            parts->engine = std::make_unique<client::MultipathEngine>(*parts->prober, root, spec.multipath_settings,
                                                                      parts->result.record);
        else
            parts->engine =
                std::make_unique<client::SinglePathEngine>(*parts->prober, spec.singlepath, parts->result.record);
        return parts;
    };
    if (spec.forward)
        forward = build(
            std::make_unique<client::ForwardCodec>(spec.protocol, source, spec.target, 4242, spec.destination_port),
            source);
    if (spec.reverse) {
        reverse = build(std::make_unique<client::ReverseCodec>(spec.protocol, source, spec.target), spec.target);
        reverse->check = std::make_unique<client::ServerCheck>(*reverse->prober, spec.singlepath.flow,
                                                               reverse->result.record, *reverse->engine);
    }
    std::vector<client::ProbingTask*> tasks;
    for (auto* parts : {forward.get(), reverse.get()})
        if (parts)
            tasks.push_back(&parts->task());
    const SimulatedRunEnd end = run_simulated(tasks, network, spec.limit_ns);
    SimulatedTrace trace;
    trace.hung = end.hung;
    trace.simulated_ns = end.simulated_ns;
    const auto take = [](DirectionParts& parts) {
        parts.result.probes_sent = parts.prober->probes_sent();
        parts.result.probes_answered = parts.prober->probes_answered();
        return std::move(parts.result);
    };
    if (forward)
        trace.forward = take(*forward);
    if (reverse)
        trace.reverse = take(*reverse);
    return trace;
}

}  // namespace rtt::sim
