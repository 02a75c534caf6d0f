// SPDX-License-Identifier: MIT
#include "direction_wiring.h"

#include "probe/forward_codec.h"
#include "probe/reverse_codec.h"

namespace rtt::client {

void DirectionWiring::new_engine(const TraceSettings& settings, TraceObserver& observer, bool check_server) {
    check.reset();
    if (settings.multipath)
        engine = std::make_unique<MultipathEngine>(*prober, root, settings.multipath_settings, observer);
    else if (settings.path_mtu && direction == TraceDirection::forward)
        engine = std::make_unique<PathMtuEngine>(*prober, settings.path_mtu_settings, observer);
    else
        engine = std::make_unique<SinglePathEngine>(*prober, settings.singlepath, observer);
    if (direction == TraceDirection::reverse && check_server)
        check = std::make_unique<ServerCheck>(*prober, settings.singlepath.flow, observer, *engine);
}

void DirectionWiring::new_vertex_round(std::vector<VertexProbe> probes, TraceObserver& observer) {
    check.reset();
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
    return wiring;
}

}  // namespace rtt::client
