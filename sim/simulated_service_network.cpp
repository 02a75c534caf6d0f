// SPDX-License-Identifier: MIT
#include "simulated_service_network.h"

#include <poll.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "client_error.h"
#include "io/clock.h"
#include "io/raw_socket.h"
#include "io/stop_signals.h"
#include "io/wire_mux.h"
#include "simulated_network.h"

namespace rtt::sim {
namespace {

class SimulatedServiceNetwork final : public client::ServiceNetwork, private client::LoopWaiter {
public:
    SimulatedServiceNetwork(Topology topology, const SimulatedServiceSettings& settings)
        : network_(std::move(topology), settings.seed), settings_(settings) {
        if (!network_.topology().nodes().count(settings.host))
            throw std::invalid_argument(fmt::format(
                "the topology has no node \"{}\" to probe from: name one with --simulate-host", settings.host));
        real_start_ns_ = client::monotonic_ns();
    }

    client::LoopWaiter& waiter() override { return *this; }
    const client::Clock& clock() const override { return network_.clock(); }

    IpAddress resolve(const client::ClientOptions& options) override {
        if (const auto address = IpAddress::parse(options.target)) {
            if (options.family && address->family() != *options.family)
                throw client::ClientError(
                    fmt::format("{} is not an IPv{} address", options.target, *options.family == Family::v4 ? 4 : 6));
            return *address;
        }
        // A node of the topology by name, as a host name resolves on a real network.
        if (network_.topology().nodes().count(options.target))
            return network_.topology().address(options.target, options.family.value_or(Family::v4));
        throw client::ClientError(
            fmt::format("{} is neither an address nor a node of the simulated topology", options.target));
    }

    IpAddress source_for(const IpAddress& target, const client::ClientOptions& options) override {
        const IpAddress own = network_.topology().address(settings_.host, target.family());
        if (!options.source.empty() && IpAddress::parse(options.source) != own)
            throw client::ClientError(
                fmt::format("--source {} is not an address of {} in the simulated topology: "
                            "leave it out or give {}",
                            options.source, settings_.host, own.to_string()));
        return own;
    }

    std::unique_ptr<client::PacketWire> wire_for(const client::ProbeCodec& codec,
                                                 const client::ClientOptions&) override {
        // One wire per protocol set, shared by every trace's prober, as one process's traces share
        // their sockets.
        const auto answers = codec.answer_protocols();
        std::vector<std::uint8_t> protocols(answers.begin(), answers.end());
        auto& mux = muxes_[protocols];
        if (!mux)
            mux = std::make_unique<client::WireMux>(network_.attach(settings_.host, protocols));
        return mux->endpoint(codec.destination());
    }

    std::uint16_t first_flow() override {
        // Deterministic: the n-th trace's flows are the same in every run.
        return static_cast<std::uint16_t>(10000 + (traces_++ * 4099) % 55535);
    }

    void wait_idle() override { wait_for_input(-1); }

    void before_start() override {
        if (settings_.speed > 0)
            network_.advance_to(std::max(now_ns(), simulated_now()));
    }

    const char* kind() const override { return "simulated"; }

    // LoopWaiter: time jumps to the next packet arriving or to what the loop waits for; paced,
    // it gets there when real time does, and commands arriving meanwhile wake the loop.
    std::int64_t now_ns() const override { return network_.clock().monotonic_ns(); }
    void wait_until(std::int64_t until_ns) override {
        std::int64_t next = until_ns;
        if (const auto event = network_.next_event_ns())
            next = std::min(next, *event);
        if (settings_.speed > 0) {
            // Simulated time t is due at real time start + t / speed: the time the loop spent working
            // counts, so the simulation does not fall behind real time by the CPU time it takes.
            const std::int64_t real_target =
                real_start_ns_ + static_cast<std::int64_t>(static_cast<double>(next) / settings_.speed);
            const std::int64_t wait = real_target - client::monotonic_ns();
            if (wait > 0 && wait_for_input(wait))
                next = std::min(next, simulated_now());
        }
        network_.advance_to(std::max(next, now_ns()));
    }
    int stop_requested() override { return stop_.received(); }
    void watch(std::span<const int> fds) override { inputs_.insert(fds.begin(), fds.end()); }
    void unwatch(int fd) override { inputs_.erase(fd); }

private:
    // The simulated time that corresponds to now in real time (paced).
    std::int64_t simulated_now() const {
        return static_cast<std::int64_t>(static_cast<double>(client::monotonic_ns() - real_start_ns_) *
                                         settings_.speed);
    }

    // Waits for a command or a signal, at most `timeout_ns` (negative: no limit); true if one came.
    bool wait_for_input(std::int64_t timeout_ns) {
        std::vector<pollfd> fds;
        fds.push_back({stop_.fd(), POLLIN, 0});
        for (const int fd : inputs_)
            fds.push_back({fd, POLLIN, 0});
        const timespec timeout{timeout_ns / 1'000'000'000, timeout_ns % 1'000'000'000};
        return ::ppoll(fds.data(), fds.size(), timeout_ns < 0 ? nullptr : &timeout, nullptr) > 0;
    }

    SimulatedNetwork network_;
    SimulatedServiceSettings settings_;
    client::StopSignals stop_;
    std::set<int> inputs_;
    std::map<std::vector<std::uint8_t>, std::unique_ptr<client::WireMux>> muxes_;
    std::int64_t real_start_ns_ = 0;
    std::uint64_t traces_ = 0;
};

}  // namespace

std::unique_ptr<client::ServiceNetwork> simulated_service_network(Topology topology,
                                                                  const SimulatedServiceSettings& settings) {
    return std::make_unique<SimulatedServiceNetwork>(std::move(topology), settings);
}

}  // namespace rtt::sim
