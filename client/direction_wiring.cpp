// SPDX-License-Identifier: MIT
#include "direction_wiring.h"

#include "probe/forward_codec.h"
#include "probe/reverse_codec.h"

namespace rtt::client {

void DirectionWiring::new_engine(const TraceSettings& settings, TraceObserver& observer, bool check_server) {
    check.reset();
    discovering_beside_ = settings.multipath && per_destination;
    if (discovering_beside_) {
        per_destination->start(observer);
        engine = std::make_unique<MultipathEngine>(*prober, root, settings.multipath_settings, *per_destination);
    } else if (settings.multipath)
        engine = std::make_unique<MultipathEngine>(*prober, root, settings.multipath_settings, observer);
    else if (settings.path_mtu && direction == TraceDirection::forward)
        engine = std::make_unique<PathMtuEngine>(*prober, settings.path_mtu_settings, observer);
    else
        engine = std::make_unique<SinglePathEngine>(*prober, settings.singlepath, observer);
    if (direction == TraceDirection::reverse && check_server)
        check = std::make_unique<ServerCheck>(*prober, settings.singlepath.flow, observer, *engine);
}

std::vector<ProbingTask*> DirectionWiring::tasks() {
    std::vector<ProbingTask*> result{&task()};
    if (discovering_beside_)
        for (ProbingTask* beside : per_destination->tasks())
            result.push_back(beside);
    return result;
}

std::uint64_t DirectionWiring::probes_sent() const {
    return prober->probes_sent() + (per_destination ? per_destination->probes_sent() : 0);
}

std::uint64_t DirectionWiring::probes_answered() const {
    return prober->probes_answered() + (per_destination ? per_destination->probes_answered() : 0);
}

void DirectionWiring::new_vertex_round(std::vector<VertexProbe> probes, TraceObserver& observer) {
    check.reset();
    discovering_beside_ = false;
    engine = std::make_unique<VertexRoundEngine>(*prober, std::move(probes), observer);
}

DirectionWiring wire_direction(TraceDirection direction, const TraceSettings& settings, const IpAddress& source,
                               const IpAddress& target, std::uint16_t forward_identifier, const WireMaker& wire_for,
                               const Clock& clock) {
    DirectionWiring wiring;
    wiring.direction = direction;
    std::unique_ptr<ProbeCodec> codec;
    if (direction == TraceDirection::forward) {
        wiring.root = source;
        codec = std::make_unique<ForwardCodec>(settings.protocol, source, target, forward_identifier,
                                               settings.destination_port, settings.shape);
    } else {
        wiring.root = target;
        codec = std::make_unique<ReverseCodec>(settings.protocol, source, target);
    }
    auto wire = wire_for(*codec);
    wiring.prober = std::make_unique<Prober>(std::move(codec), settings.prober, std::move(wire), clock);
    if (direction == TraceDirection::forward && settings.multipath && settings.per_destination > 0) {
        std::vector<std::unique_ptr<Prober>> probers;
        for (const IpAddress& other : per_destination_addresses(target, settings.per_destination)) {
            auto other_codec = std::make_unique<ForwardCodec>(settings.protocol, source, other, forward_identifier,
                                                              settings.destination_port, settings.shape);
            auto other_wire = wire_for(*other_codec);
            probers.push_back(
                std::make_unique<Prober>(std::move(other_codec), settings.prober, std::move(other_wire), clock));
        }
        // One probe per hop on the multipath trace's first flow, as patient as its probes.
        SinglePathSettings paris = settings.singlepath;
        const MultipathSettings& multipath = settings.multipath_settings;
        paris.first_ttl = multipath.first_ttl;
        paris.max_ttl = multipath.max_ttl;
        paris.flow = multipath.first_flow;
        paris.probes_per_hop = 1;
        paris.retries = multipath.retries;
        paris.abort_after = multipath.abort_after;
        // Two TTLs at a time: the target's depth, where they stop (PerDestinationTraces), is
        // known a round trip after discovery starts, and probes sent past it are wasted.
        paris.max_in_flight = 2;
        wiring.per_destination = std::make_unique<PerDestinationTraces>(target, std::move(probers), paris);
    }
    return wiring;
}

}  // namespace rtt::client
