// SPDX-License-Identifier: MIT
#include <random>

#include "io/raw_socket_wire.h"
#include "net/endpoints.h"
#include "service/service_network.h"

namespace rtt::client {
namespace {

class RealServiceNetwork final : public ServiceNetwork {
public:
    RealServiceNetwork() : waiter_(system_waiter()) {}
    LoopWaiter& waiter() override { return *waiter_; }
    const Clock& clock() const override { return system_clock(); }
    IpAddress resolve(const ClientOptions& options) override { return resolve_target(options.target, options.family); }
    IpAddress source_for(const IpAddress& target, const ClientOptions& options) override {
        return choose_source(target, options.source, options.interface);
    }
    std::optional<int> route_mtu(const IpAddress& source, const IpAddress& target,
                                 const ClientOptions& options) override {
        return client::route_mtu(source, target, options.interface);
    }
    std::unique_ptr<PacketWire> wire_for(const ProbeCodec& codec, const ClientOptions& options) override {
        return std::make_unique<RawSocketWire>(codec, options.interface);
    }
    std::uint16_t first_flow() override { return static_cast<std::uint16_t>(10000 + random_() % 55535); }
    void wait_idle() override { waiter_->wait_until(waiter_->now_ns() + 60'000'000'000); }
    const char* kind() const override { return "raw sockets"; }

private:
    std::unique_ptr<LoopWaiter> waiter_;
    std::mt19937 random_{std::random_device{}()};
};

}  // namespace

std::unique_ptr<ServiceNetwork> real_service_network() {
    return std::make_unique<RealServiceNetwork>();
}

}  // namespace rtt::client
