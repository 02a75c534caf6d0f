// SPDX-License-Identifier: MIT
#include "prober.h"

#include <netinet/in.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <random>

#include <fmt/format.h>

#include "client_error.h"
#include "codec.h"
#include "io/socket_filter.h"
#include "log.h"

namespace rtt::client {
namespace {

RawSocket open_send_socket(const ProbeCodec& codec, const ProberSettings& settings) {
    // IPv4: our own IP header (IPPROTO_RAW implies IP_HDRINCL) so TTL and IP ID are per probe.
    // IPv6: the kernel writes the header; the hop limit rides in a control message per probe.
    const int protocol = codec.family() == Family::v4 ? int{IPPROTO_RAW} : int{codec.encode(1, 0, 1).ip_protocol};
    RawSocket socket(codec.family(), protocol);
    socket.attach_filter(drop_everything_filter());
    socket.bind_to(codec.source());
    if (!settings.interface.empty())
        socket.bind_to_interface(settings.interface);
    return socket;
}

}  // namespace

Prober::Prober(std::unique_ptr<ProbeCodec> codec, ProberSettings settings)
    : codec_(std::move(codec)),
      settings_(std::move(settings)),
      send_socket_(open_send_socket(*codec_, settings_)),
      next_id_(static_cast<std::uint16_t>(std::random_device{}() % 0xFFFE + 1)) {
    for (const std::uint8_t protocol : codec_->answer_protocols()) {
        RawSocket socket(codec_->family(), protocol);
        socket.attach_filter(codec_->receive_filter(protocol));
        socket.enable_receive_timestamps();
        if (!settings_.interface.empty())
            socket.bind_to_interface(settings_.interface);
        receive_sockets_.emplace_back(protocol, std::move(socket));
    }
}

std::vector<int> Prober::receive_fds() const {
    std::vector<int> fds;
    for (const auto& [protocol, socket] : receive_sockets_)
        fds.push_back(socket.fd());
    return fds;
}

std::uint16_t Prober::allocate_id() {
    // Ids 0 and 0xFFFF are avoided: a UDP checksum field of 0 means "no checksum".
    for (;;) {
        const std::uint16_t id = next_id_;
        next_id_ = next_id_ >= 0xFFFE ? 1 : static_cast<std::uint16_t>(next_id_ + 1);
        if (!in_flight_.contains(id))
            return id;
    }
}

std::int64_t Prober::now_ns() {
    return monotonic_ns();
}

std::uint16_t Prober::submit(std::uint8_t ttl, std::uint16_t flow, std::int64_t not_before_ns,
                             std::int64_t timeout_ns) {
    ProbeRecord record{allocate_id(), ttl, flow, 0, 0, not_before_ns, timeout_ns};
    // Reserve the id now so two queued probes never share one.
    in_flight_.emplace(record.id, record);
    queue_.push_back(record);
    return record.id;
}

void Prober::service() {
    for (auto& [protocol, socket] : receive_sockets_)
        drain(socket, protocol);
    expire();
    send_due();
}

void Prober::drain(RawSocket& socket, std::uint8_t protocol) {
    std::array<std::uint8_t, 2048> buffer;
    while (const auto received = socket.receive(buffer)) {
        const ReceivedPacket packet{std::span(buffer).first(received->length), received->source, protocol};
        const auto answer = codec_->decode(packet);
        if (!answer)
            continue;
        const auto it = in_flight_.find(answer->probe_id);
        // Unknown ids are late answers to probes that already timed out, or someone else's.
        if (it == in_flight_.end() || it->second.sent_realtime_ns == 0)
            continue;
        if (answer->flow && *answer->flow != it->second.flow)
            continue;
        ProbeOutcome outcome{it->second, answer, 0};
        outcome.rtt_ms = answer->rtt_ns ? double(*answer->rtt_ns) / 1e6
                                        : double(received->timestamp_ns - it->second.sent_realtime_ns) / 1e6;
        in_flight_.erase(it);
        ++answered_;
        log(LogLevel::debug, "probe {} (ttl {}, flow {}) answered by {} after {:.3f} ms", outcome.probe.id,
            outcome.probe.ttl, outcome.probe.flow, answer->responder.to_string(), outcome.rtt_ms);
        deliver(outcome);
    }
}

void Prober::expire() {
    const std::int64_t now = monotonic_ns();
    std::vector<ProbeRecord> expired;
    for (const auto& [id, record] : in_flight_)
        if (record.deadline_ns != 0 && record.deadline_ns <= now)
            expired.push_back(record);
    for (const auto& record : expired) {
        in_flight_.erase(record.id);
        log(LogLevel::debug, "probe {} (ttl {}, flow {}) timed out", record.id, record.ttl, record.flow);
        deliver(ProbeOutcome{record, std::nullopt, 0});
    }
}

void Prober::send_due() {
    for (auto next = queue_.begin(); next != queue_.end();) {
        const std::int64_t now = monotonic_ns();
        if (settings_.inter_ns > 0 && last_send_ns_ != 0 && now - last_send_ns_ < settings_.inter_ns)
            return;
        if (next->not_before_ns > now) {  // held back (a rate-limited hop): later ones may go
            ++next;
            continue;
        }
        ProbeRecord record = *next;
        next = queue_.erase(next);
        const OutgoingProbe probe = codec_->encode(record.ttl, record.flow, record.id);
        record.sent_realtime_ns = realtime_ns();
        record.deadline_ns = now + (record.timeout_ns > 0 ? record.timeout_ns : settings_.timeout_ns);
        int error = 0;
        if (codec_->family() == Family::v4) {
            const Bytes packet = wrap_in_ip(probe.ip_protocol, codec_->source(), codec_->destination(), probe.ip_ttl,
                                            probe.message, 0, false, probe.ip_id);
            error = send_socket_.send(packet, codec_->destination());
        } else {
            error = send_socket_.send(probe.message, codec_->destination(), probe.ip_ttl);
        }
        // A full device queue is transient: the probe simply counts as lost.
        if (error != 0 && error != ENOBUFS && error != EAGAIN)
            throw ClientError(fmt::format("cannot send probes to {}: {}; check the route to it",
                                          codec_->destination().to_string(), std::strerror(error)));
        in_flight_[record.id] = record;
        log(LogLevel::debug, "sent probe {} to {} (ttl {}, flow {})", record.id, codec_->destination().to_string(),
            record.ttl, record.flow);
        last_send_ns_ = now;
        ++sent_;
    }
}

std::optional<std::int64_t> Prober::next_wakeup_ns() const {
    std::optional<std::int64_t> next;
    const auto earliest = [&](std::int64_t t) { next = next ? std::min(*next, t) : t; };
    for (const auto& record : queue_)
        earliest(std::max(last_send_ns_ + settings_.inter_ns, record.not_before_ns));
    for (const auto& [id, record] : in_flight_)
        if (record.deadline_ns != 0)
            earliest(record.deadline_ns);
    return next;
}

void Prober::deliver(const ProbeOutcome& outcome) {
    if (listener_ != nullptr)
        listener_->on_outcome(outcome);
}

}  // namespace rtt::client
