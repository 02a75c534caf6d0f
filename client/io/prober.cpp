// SPDX-License-Identifier: MIT
#include "prober.h"

#include <algorithm>
#include <random>

#include "log.h"

namespace rtt::client {

Prober::Prober(std::unique_ptr<ProbeCodec> codec, ProberSettings settings, std::unique_ptr<PacketWire> wire,
               const Clock& clock)
    : codec_(std::move(codec)),
      settings_(settings),
      wire_(std::move(wire)),
      clock_(clock),
      next_id_(settings.first_id != 0 && settings.first_id != 0xFFFF
                   ? settings.first_id
                   : static_cast<std::uint16_t>(std::random_device{}() % 0xFFFE + 1)) {}

std::uint16_t Prober::allocate_id() {
    // Ids 0 and 0xFFFF are avoided: a UDP checksum field of 0 means "no checksum".
    for (;;) {
        const std::uint16_t id = next_id_;
        next_id_ = next_id_ >= 0xFFFE ? 1 : static_cast<std::uint16_t>(next_id_ + 1);
        if (!in_flight_.contains(id))
            return id;
    }
}

std::uint16_t Prober::submit(std::uint8_t ttl, std::uint16_t flow, std::int64_t not_before_ns,
                             std::int64_t timeout_ns) {
    ProbeRecord record{allocate_id(), ttl, flow, 0, 0, not_before_ns, timeout_ns, 0, 0};
    // Reserve the id now so two queued probes never share one.
    in_flight_.emplace(record.id, record);
    queue_.push_back(record);
    return record.id;
}

std::uint16_t Prober::submit_sized(std::uint8_t ttl, std::uint16_t flow, std::size_t size, std::int64_t timeout_ns) {
    ProbeRecord record{allocate_id(), ttl, flow, 0, 0, 0, timeout_ns, 0, size};
    in_flight_.emplace(record.id, record);
    queue_.push_back(record);
    return record.id;
}

void Prober::service() {
    wire_->receive([this](const ReceivedPacket& packet, std::int64_t arrival) { take(packet, arrival); });
    expire();
    send_due();
}

void Prober::take(const ReceivedPacket& packet, std::int64_t arrival_realtime_ns) {
    const auto answer = codec_->decode(packet);
    if (!answer)
        return;
    const auto it = in_flight_.find(answer->probe_id);
    // Unknown ids are late answers to probes that already timed out, or someone else's.
    if (it == in_flight_.end() || it->second.sent_realtime_ns == 0)
        return;
    if (answer->flow && *answer->flow != it->second.flow)
        return;
    ProbeOutcome outcome{it->second, answer, 0, 0};
    outcome.wait_ms = double(arrival_realtime_ns - it->second.sent_realtime_ns) / 1e6;
    outcome.rtt_ms = answer->rtt_ns ? double(*answer->rtt_ns) / 1e6 : outcome.wait_ms;
    in_flight_.erase(it);
    ++answered_;
    log(LogLevel::debug, "probe {} (ttl {}, flow {}) answered by {} after {:.3f} ms", outcome.probe.id,
        outcome.probe.ttl, outcome.probe.flow, answer->responder.to_string(), outcome.rtt_ms);
    deliver(outcome);
}

void Prober::expire() {
    const std::int64_t now = clock_.monotonic_ns();
    std::vector<ProbeRecord> expired;
    for (const auto& [id, record] : in_flight_)
        if (record.deadline_ns != 0 && record.deadline_ns <= now)
            expired.push_back(record);
    for (const auto& record : expired) {
        in_flight_.erase(record.id);
        log(LogLevel::debug, "probe {} (ttl {}, flow {}) timed out", record.id, record.ttl, record.flow);
        deliver(ProbeOutcome{record, std::nullopt, 0, 0});
    }
}

void Prober::send_due() {
    for (auto next = queue_.begin(); next != queue_.end();) {
        const std::int64_t now = clock_.monotonic_ns();
        if (settings_.inter_ns > 0 && last_send_ns_ != 0 && now - last_send_ns_ < settings_.inter_ns)
            return;
        if (next->not_before_ns > now) {  // held back (a rate-limited hop): later ones may go
            ++next;
            continue;
        }
        if (budget_ && !budget_->take(now))
            return;
        ProbeRecord record = *next;
        next = queue_.erase(next);
        const OutgoingProbe probe = record.size > 0
                                        ? codec_->encode_sized(record.ttl, record.flow, record.id, record.size)
                                        : codec_->encode(record.ttl, record.flow, record.id);
        record.sent_realtime_ns = clock_.realtime_ns();
        record.sent_monotonic_ns = now;
        record.deadline_ns = now + (record.timeout_ns > 0 ? record.timeout_ns : settings_.timeout_ns);
        wire_->send(probe, codec_->source(), codec_->destination());
        in_flight_[record.id] = record;
        log(LogLevel::debug, "sent probe {} to {} (ttl {}, flow {})", record.id, codec_->destination().to_string(),
            record.ttl, record.flow);
        last_send_ns_ = now;
        ++sent_;
    }
}

void Prober::limit_wait(std::uint16_t id, std::int64_t wait_ns) {
    const auto it = in_flight_.find(id);
    if (it == in_flight_.end())
        return;
    if (it->second.sent_realtime_ns != 0) {  // sent (as in take())
        it->second.deadline_ns = std::min(it->second.deadline_ns, it->second.sent_monotonic_ns + wait_ns);
        return;
    }
    for (ProbeRecord& queued : queue_)
        if (queued.id == id)
            queued.timeout_ns = std::min(queued.timeout_ns > 0 ? queued.timeout_ns : settings_.timeout_ns, wait_ns);
}

std::optional<std::int64_t> Prober::next_send_ns() const {
    std::optional<std::int64_t> next;
    for (const auto& record : queue_) {
        const std::int64_t at = std::max(last_send_ns_ + settings_.inter_ns, record.not_before_ns);
        next = next ? std::min(*next, at) : at;
    }
    return next;
}

std::optional<std::int64_t> Prober::next_timeout_ns() const {
    std::optional<std::int64_t> next;
    for (const auto& [id, record] : in_flight_)
        if (record.deadline_ns != 0)
            next = next ? std::min(*next, record.deadline_ns) : record.deadline_ns;
    return next;
}

std::optional<std::int64_t> Prober::next_wakeup_ns() const {
    std::optional<std::int64_t> send = next_send_ns();
    if (send && budget_)
        send = std::max(*send, budget_->next_ns());
    const std::optional<std::int64_t> timeout = next_timeout_ns();
    if (send && timeout)
        return std::min(*send, *timeout);
    return send ? send : timeout;
}

void Prober::deliver(const ProbeOutcome& outcome) {
    if (listener_ != nullptr)
        listener_->on_outcome(outcome);
}

}  // namespace rtt::client
