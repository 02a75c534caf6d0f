// SPDX-License-Identifier: MIT
#include "wire_mux.h"

#include "io/packet_queue.h"

#include <algorithm>

namespace rtt::client {

std::optional<IpAddress> answer_subject(const ReceivedPacket& packet) {
    const auto bytes = packet.bytes;
    if (packet.source.is_v4()) {
        if (bytes.size() < 20)
            return std::nullopt;
        const std::size_t header = static_cast<std::size_t>(bytes[0] & 0x0f) * 4;
        // ICMP destination unreachable, source quench, redirect, time exceeded, parameter problem
        // quote the packet that caused them after their 8 bytes.
        const std::uint8_t type = bytes.size() > header ? bytes[header] : 0;
        const bool error = bytes[9] == 1 && (type == 3 || type == 4 || type == 5 || type == 11 || type == 12);
        if (!error)
            return packet.source;
        const std::size_t quoted = header + 8;
        if (bytes.size() < quoted + 20 || (bytes[quoted] >> 4) != 4)
            return std::nullopt;
        return IpAddress::from_v4(bytes.subspan(quoted + 16).first<4>());
    }
    // ICMPv6 errors are types 1 to 127 and quote the IPv6 header after their 8 bytes.
    const bool error = packet.socket_protocol == 58 && !bytes.empty() && bytes[0] < 128;
    if (!error)
        return packet.source;
    if (bytes.size() < 8 + 40 || (bytes[8] >> 4) != 6)
        return std::nullopt;
    return IpAddress::from_v6(bytes.subspan(8 + 24).first<16>());
}

class WireMux::Endpoint final : public PacketWire {
public:
    Endpoint(WireMux& mux, const IpAddress& destination) : mux_(mux), destination_(destination) {
        mux_.by_subject_[destination_].push_back(this);
    }
    ~Endpoint() override {
        auto& list = mux_.by_subject_[destination_];
        std::erase(list, this);
        if (list.empty())
            mux_.by_subject_.erase(destination_);
    }
    Endpoint(const Endpoint&) = delete;
    Endpoint& operator=(const Endpoint&) = delete;

    void send(const OutgoingProbe& probe, const IpAddress& source, const IpAddress& destination) override {
        mux_.wire_->send(probe, source, destination);
    }
    void receive(const Delivery& deliver) override {
        mux_.pump();
        queue_.deliver_all(deliver);
    }
    std::vector<int> receive_fds() const override { return mux_.wire_->receive_fds(); }
    bool has_input() override {
        mux_.pump();
        return !queue_.empty();
    }
    bool notify_on_input(const std::function<void()>& notify) override {
        if (!mux_.notifies_)
            return false;
        queue_.notify_with(notify);
        return true;
    }

    void take(const ReceivedPacket& packet, std::int64_t arrival_realtime_ns) {
        queue_.push(Bytes(packet.bytes.begin(), packet.bytes.end()), packet.source, packet.socket_protocol,
                    arrival_realtime_ns);
    }

private:
    WireMux& mux_;
    IpAddress destination_;
    PacketQueue queue_;
};

WireMux::WireMux(std::unique_ptr<PacketWire> wire) : wire_(std::move(wire)) {
    notifies_ = wire_->notify_on_input([this] { pump(); });
}

WireMux::~WireMux() {
    if (notifies_)
        wire_->notify_on_input({});
}

std::unique_ptr<PacketWire> WireMux::endpoint(const IpAddress& destination) {
    return std::make_unique<Endpoint>(*this, destination);
}

void WireMux::pump() {
    if (!wire_->has_input())
        return;
    wire_->receive([this](const ReceivedPacket& packet, std::int64_t arrival_realtime_ns) {
        const auto subject = answer_subject(packet);
        if (!subject)
            return;
        const auto endpoints = by_subject_.find(*subject);
        if (endpoints == by_subject_.end())
            return;  // no trace toward it (any more): a stray or late answer
        for (Endpoint* endpoint : endpoints->second)
            endpoint->take(packet, arrival_realtime_ns);
    });
}

}  // namespace rtt::client
