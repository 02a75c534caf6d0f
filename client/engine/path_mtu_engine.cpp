// SPDX-License-Identifier: MIT
#include "engine/path_mtu_engine.h"

#include <algorithm>
#include <array>

extern "C" {
#include "protocol.h"
}

namespace rtt::client {
namespace {

// RFC 1191 §7: the MTUs of common links, for routers that report none.
constexpr std::array<std::size_t, 11> kPlateaus{65535, 32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68};

bool says_too_big(const Answer& answer) {
    return answer.kind == AnswerKind::packet_too_big ||
           (answer.kind == AnswerKind::unreachable && answer.responder.is_v4() &&
            answer.icmp_code == RTT_ICMP4_FRAG_NEEDED);
}

}  // namespace

std::size_t next_plateau(std::size_t size, std::size_t least) {
    for (const std::size_t plateau : kPlateaus)
        if (plateau < size)
            return std::max(plateau, least);
    return least;
}

PathMtuEngine::PathMtuEngine(Prober& prober, PathMtuSettings settings, TraceObserver& observer)
    : prober_(prober), settings_(settings), observer_(observer), ttl_(settings.first_ttl), size_(settings.first_size) {
    result_.first = static_cast<std::uint32_t>(settings_.first_size);
    result_.found = result_.first;
}

void PathMtuEngine::start() {
    prober_.set_listener(this);
    attempts_ = 0;
    send(size_);
}

void PathMtuEngine::send(std::size_t size) {
    probe_size_ = size;
    ++attempts_;
    const bool bisecting = phase_ == Phase::bisect || phase_ == Phase::confirm;
    probe_id_ =
        prober_.submit_sized(static_cast<std::uint8_t>(ttl_), settings_.flow, size, bisecting ? bisect_wait_ns() : 0);
}

std::int64_t PathMtuEngine::bisect_wait_ns() const {
    const double rtt_ms = small_reply_ ? small_reply_->rtt_ms : 0;
    const auto wait = static_cast<std::int64_t>(kBisectRttFactor * rtt_ms * 1e6);
    return std::clamp(wait, kLeastBisectWaitNs, std::max(kLeastBisectWaitNs, prober_.timeout_ns()));
}

void PathMtuEngine::on_outcome(const ProbeOutcome& outcome) {
    if (finished_ || outcome.probe.id != probe_id_)
        return;
    if (outcome.answer) {
        if (auto refusal = prober_.codec().refusal(*outcome.answer)) {
            finish({TraceEnd::failed, outcome.answer, std::move(*refusal)});
            return;
        }
        on_answer(*outcome.answer, outcome.rtt_ms, probe_size_);
    } else {
        on_silence();
    }
}

void PathMtuEngine::on_answer(const Answer& answer, double rtt_ms, std::size_t size) {
    if (says_too_big(answer)) {
        // The router's next link is smaller: drop to what it says (or the next plateau when it
        // says nothing useful) and probe this TTL again.
        std::size_t mtu = answer.mtu;
        if (mtu < settings_.least_size || mtu >= size)
            mtu = next_plateau(size, settings_.least_size);
        if (mtu >= size) {  // nothing smaller can be sent: report the hop as it answered
            next_ttl(HopReply{answer, rtt_ms}, size);
            return;
        }
        result_.drops.push_back({PathMtuDrop::How::too_big, static_cast<std::uint8_t>(ttl_),
                                 static_cast<std::uint32_t>(size_), static_cast<std::uint32_t>(mtu), answer.responder,
                                 answer.mtu, std::nullopt});
        size_ = mtu;
        phase_ = Phase::sized;
        attempts_ = 0;
        send(size_);
        return;
    }
    switch (phase_) {
    case Phase::sized:
    case Phase::confirm: next_ttl(HopReply{answer, rtt_ms}, size); return;
    case Phase::smallest:
        // The hop answers small probes but not big ones: bisect the largest size that passes.
        small_reply_ = HopReply{answer, rtt_ms};
        phase_ = Phase::bisect;
        lo_ = size;
        hi_ = size_;
        break;
    case Phase::bisect:
        lo_ = size;
        small_reply_ = HopReply{answer, rtt_ms};
        break;
    }
    bisect_on();
}

void PathMtuEngine::bisect_on() {
    attempts_ = 0;
    if (hi_ - lo_ > 1) {
        send(lo_ + (hi_ - lo_) / 2);
        return;
    }
    phase_ = Phase::confirm;
    send(size_);
}

void PathMtuEngine::on_silence() {
    // A lost probe may be a rate-limited router, not a silent one: ask again first.
    if (attempts_ <= settings_.retries) {
        send(probe_size_);
        return;
    }
    switch (phase_) {
    case Phase::sized:
        if (size_ <= settings_.least_size) {
            next_ttl(std::nullopt, size_);
            return;
        }
        phase_ = Phase::smallest;
        attempts_ = 0;
        send(settings_.least_size);
        return;
    case Phase::smallest: next_ttl(std::nullopt, size_); return;
    case Phase::bisect:
        hi_ = probe_size_;
        bisect_on();
        return;
    case Phase::confirm:
        // Still silent at the first size: big probes vanish without an ICMP error.
        result_.drops.push_back({PathMtuDrop::How::black_hole, static_cast<std::uint8_t>(ttl_),
                                 static_cast<std::uint32_t>(size_), static_cast<std::uint32_t>(lo_), std::nullopt, 0,
                                 last_responder_});
        size_ = lo_;
        next_ttl(small_reply_, lo_);
        return;
    }
}

void PathMtuEngine::next_ttl(std::optional<HopReply> reply, std::size_t size) {
    // One reply per hop; `sent` stays 0 (one probe per reply): the probes that went unanswered
    // here were too big, not lost.
    HopResult hop{static_cast<std::uint8_t>(ttl_), settings_.flow, {reply.value_or(HopReply{})}, 0};
    if (reply && reply->answer) {
        hop.size = static_cast<std::uint32_t>(size);
        result_.found = static_cast<std::uint32_t>(size_);
    }
    observer_.on_hop(hop);
    phase_ = Phase::sized;
    attempts_ = 0;
    small_reply_.reset();
    if (reply && reply->answer) {
        silent_run_ = 0;
        last_responder_ = reply->answer->responder;
        const Answer& answer = *reply->answer;
        if (ends_path(answer, prober_.codec().end_of_path())) {
            const bool reached = answer.responder == prober_.codec().end_of_path();
            result_.reached = reached;
            finish({reached ? TraceEnd::reached : TraceEnd::unreachable, answer, {}});
            return;
        }
    } else if (++silent_run_ >= settings_.abort_after) {
        finish({TraceEnd::no_reply, std::nullopt, {}});
        return;
    }
    if (ttl_ >= settings_.max_ttl) {
        finish({TraceEnd::max_ttl, std::nullopt, {}});
        return;
    }
    ++ttl_;
    send(size_);
}

void PathMtuEngine::interrupt(const std::string& why) {
    if (!finished_)
        finish({TraceEnd::interrupted, std::nullopt, why});
}

void PathMtuEngine::finish(TraceSummary summary) {
    finished_ = true;
    summary.probes_sent = prober_.probes_sent();
    summary.probes_answered = prober_.probes_answered();
    summary.path_mtu = result_;
    observer_.on_end(summary);
}

}  // namespace rtt::client
