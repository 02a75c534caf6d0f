// SPDX-License-Identifier: MIT
#include "per_destination_traces.h"

#include <algorithm>

namespace rtt::client {

std::vector<IpAddress> per_destination_addresses(const IpAddress& target, std::size_t count) {
    std::vector<IpAddress> addresses;
    const auto wire = target.wire();
    const unsigned own = wire[15];
    // Evenly spaced over the last byte, starting beside the target's own.
    const std::size_t step = std::max<std::size_t>(1, 254 / (count + 1));
    for (std::size_t i = 1; addresses.size() < count && i < 256; ++i) {
        const unsigned last = (own + i * step) % 256;
        if (last == 0 || last == 255 || last == own)
            continue;
        auto bytes = wire;
        bytes[15] = static_cast<std::uint8_t>(last);
        const IpAddress address = IpAddress::from_wire(bytes);
        if (std::find(addresses.begin(), addresses.end(), address) == addresses.end())
            addresses.push_back(address);
    }
    return addresses;
}

// One other-address trace: its prober and engine, and the time-exceeded answers it met.
struct PerDestinationTraces::Alternate final : TraceObserver {
    PerDestinationTraces* owner = nullptr;
    std::unique_ptr<Prober> prober;
    std::unique_ptr<SinglePathEngine> engine;
    AlternatePath path;
    bool ended = false;

    void on_hop(const HopResult& hop) override {
        for (const auto& reply : hop.replies)
            if (reply.answer && reply.answer->kind == AnswerKind::time_exceeded)
                path.emplace(hop.ttl, reply.answer->responder);
    }
    void on_end(const TraceSummary&) override {
        ended = true;
        owner->pass_on_when_done();
    }
};

PerDestinationTraces::PerDestinationTraces(const IpAddress& target, std::vector<std::unique_ptr<Prober>> probers,
                                           SinglePathSettings settings)
    : target_(target), settings_(settings) {
    for (auto& prober : probers) {
        auto alternate = std::make_unique<Alternate>();
        alternate->owner = this;
        alternate->prober = std::move(prober);
        alternates_.push_back(std::move(alternate));
    }
}

PerDestinationTraces::~PerDestinationTraces() = default;

void PerDestinationTraces::start(TraceObserver& downstream) {
    downstream_ = &downstream;
    graph_.reset();
    summary_.reset();
    passed_on_ = false;
    for (auto& alternate : alternates_) {
        alternate->path.clear();
        alternate->ended = false;
        alternate->engine = std::make_unique<SinglePathEngine>(*alternate->prober, settings_, *alternate);
    }
}

std::vector<ProbingTask*> PerDestinationTraces::tasks() {
    std::vector<ProbingTask*> result;
    for (auto& alternate : alternates_)
        if (alternate->engine)
            result.push_back(alternate->engine.get());
    return result;
}

std::uint64_t PerDestinationTraces::probes_sent() const {
    std::uint64_t sent = 0;
    for (const auto& alternate : alternates_)
        sent += alternate->prober->probes_sent();
    return sent;
}

std::uint64_t PerDestinationTraces::probes_answered() const {
    std::uint64_t answered = 0;
    for (const auto& alternate : alternates_)
        answered += alternate->prober->probes_answered();
    return answered;
}

void PerDestinationTraces::on_vertex(std::uint8_t ttl, const Answer& answer, double rtt_ms) {
    // The target's depth: mark_per_destination() judges no TTL from there on, so the other
    // addresses' traces need go no further (most such addresses answer nothing, and probing on
    // to --max-ttl would cost more than the rest of the trace).
    if (ends_path(answer, target_) && ttl > 0)
        for (auto& alternate : alternates_)
            if (alternate->engine)
                alternate->engine->stop_after(static_cast<std::uint8_t>(ttl - 1));
    downstream_->on_vertex(ttl, answer, rtt_ms);
}

void PerDestinationTraces::on_end(const TraceSummary& summary) {
    summary_ = summary;
    pass_on_when_done();
}

void PerDestinationTraces::pass_on_when_done() {
    if (passed_on_ || !summary_ ||
        !std::all_of(alternates_.begin(), alternates_.end(), [](const auto& a) { return a->ended; }))
        return;
    passed_on_ = true;
    if (graph_) {
        std::vector<AlternatePath> paths;
        for (const auto& alternate : alternates_)
            paths.push_back(alternate->path);
        mark_per_destination(*graph_, paths);
        downstream_->on_graph(*graph_);
    }
    // The probes to the other addresses count as this direction's: they were sent for it.
    summary_->probes_sent += probes_sent();
    summary_->probes_answered += probes_answered();
    downstream_->on_end(*summary_);
}

}  // namespace rtt::client
