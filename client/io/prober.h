// SPDX-License-Identifier: MIT
// The probe transport the engines are given: sends the probes an engine asks for through one
// codec and one wire, and turns what comes back into outcomes: an answer with its RTT, or a
// timeout. Paces sends (--inter), keeps the table of probes in flight, and measures RTTs from
// the wire's arrival times. Its wire and clock are raw sockets and the system clocks on a real
// network, or the simulated network (sim/) and its simulated time.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "io/clock.h"
#include "io/packet_wire.h"
#include "io/send_budget.h"
#include "probe/probe_codec.h"
#include "trace_defaults.h"

namespace rtt::client {

struct ProbeRecord {
    std::uint16_t id = 0;
    std::uint8_t ttl = 0;
    std::uint16_t flow = 0;
    std::int64_t sent_realtime_ns = 0;
    std::int64_t deadline_ns = 0;    // CLOCK_MONOTONIC
    std::int64_t not_before_ns = 0;  // CLOCK_MONOTONIC; 0: as soon as pacing allows
    std::int64_t timeout_ns = 0;     // 0: the prober's timeout
    std::int64_t sent_monotonic_ns = 0;
    std::size_t size = 0;  // bytes, IP header included, with DF (path MTU discovery); 0: the codec's own
};

struct ProbeOutcome {
    ProbeRecord probe;
    std::optional<Answer> answer;  // nullopt: timed out
    double rtt_ms = 0;             // the RTT the answer reports (a reverse hop's is the server's)
    double wait_ms = 0;            // how long this process waited for the answer
};

class ProbeListener {
public:
    virtual ~ProbeListener() = default;
    virtual void on_outcome(const ProbeOutcome& outcome) = 0;
};

struct ProberSettings {
    std::int64_t timeout_ns = static_cast<std::int64_t>(defaults::kTimeoutS * 1e9);
    std::int64_t inter_ns = 0;   // least time between two sends
    std::uint16_t first_id = 0;  // the first probe id; 0: a random one (a simulation fixes it)
};

class Prober {
public:
    Prober(std::unique_ptr<ProbeCodec> codec, ProberSettings settings, std::unique_ptr<PacketWire> wire,
           const Clock& clock = system_clock());

    const ProbeCodec& codec() const { return *codec_; }
    const Clock& clock() const { return clock_; }
    void set_listener(ProbeListener* listener) { listener_ = listener; }
    // Probes leave only when `budget` (shared with other probers, or none) has room for them.
    void set_budget(SendBudget* budget) { budget_ = budget; }

    // Queues a probe; it leaves when pacing allows, not before `not_before_ns` (monotonic), and
    // times out after `timeout_ns` (0: the prober's timeout). Returns its id.
    std::uint16_t submit(std::uint8_t ttl, std::uint16_t flow, std::int64_t not_before_ns = 0,
                         std::int64_t timeout_ns = 0);
    // A probe of `size` bytes (IP header included) that routers must not fragment, for path MTU
    // discovery; the codec decides what fills it.
    std::uint16_t submit_sized(std::uint8_t ttl, std::uint16_t flow, std::size_t size, std::int64_t timeout_ns = 0);
    std::int64_t timeout_ns() const { return settings_.timeout_ns; }
    // Waits at most `wait_ns` after sending for probe `id` (sent or still queued), if that is
    // shorter than its timeout: an adaptive wait, as traceroute -w MAX,HERE,NEAR.
    void limit_wait(std::uint16_t id, std::int64_t wait_ns);
    // Probes queued or waiting for an answer.
    std::size_t outstanding() const { return queue_.size() + in_flight_.size(); }

    std::vector<int> receive_fds() const { return wire_->receive_fds(); }
    bool has_input() { return wire_->has_input(); }
    bool notify_on_input(const std::function<void()>& notify) { return wire_->notify_on_input(notify); }
    // Reads every queued packet, then sends what is due and expires what timed out.
    void service();
    // When service() has something to do next (CLOCK_MONOTONIC), if anything is pending.
    std::optional<std::int64_t> next_wakeup_ns() const;
    // When a queued probe may leave by this prober's own pacing, the budget aside.
    std::optional<std::int64_t> next_send_ns() const;
    // When the next probe in flight times out.
    std::optional<std::int64_t> next_timeout_ns() const;

    std::uint64_t probes_sent() const { return sent_; }
    std::uint64_t probes_answered() const { return answered_; }

private:
    std::uint16_t allocate_id();
    void take(const ReceivedPacket& packet, std::int64_t arrival_realtime_ns);
    void send_due();
    void expire();
    void deliver(const ProbeOutcome& outcome);

    std::unique_ptr<ProbeCodec> codec_;
    ProberSettings settings_;
    ProbeListener* listener_ = nullptr;
    SendBudget* budget_ = nullptr;
    std::unique_ptr<PacketWire> wire_;
    const Clock& clock_;
    std::deque<ProbeRecord> queue_;
    std::unordered_map<std::uint16_t, ProbeRecord> in_flight_;
    std::uint16_t next_id_;
    std::int64_t last_send_ns_ = 0;
    std::uint64_t sent_ = 0;
    std::uint64_t answered_ = 0;
};

}  // namespace rtt::client
