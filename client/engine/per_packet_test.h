// SPDX-License-Identifier: MIT
// The MDA's per-packet test (docs/multipath.md §1). A balancer that picks a next hop per packet
// rather than per flow looks like a per-flow one to the flow-counting rounds, but the links they
// draw behind it may be false: one flow takes another way on every probe. After discovery, flows
// that answered at a hop are probed there once more each, round robin (so a rate limit is shared
// among the hop's vertices), until the hop has enough repeats (the engine's per_packet_repeats():
// 14 by default, a 10^-4 chance of missing an even per-packet split): every repeat answered by
// its flow's first responder means per flow, another responder means per packet (the test stops
// there). Tested are the hops whose verdict decides a link: several vertices there and at the
// next hop (a link into a single vertex holds whichever way the flow went). A per-packet hop's
// untested neighbours are tested too: a balancer may have hidden a vertex from the rounds there,
// and only a tested hop makes the links beside it certain (mark_per_packet()). A rate-limited hop
// is not tested, and a hop that loses a repeat is given up: at one answer a second, 14 repeats
// would cost many seconds (docs/multipath.md §1). Knows no probes, sockets or clock.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "measurement/multipath_graph.h"

namespace rtt::client {

class PerPacketTest {
public:
    // `repeats`: answered repeats a hop needs to count as per flow.
    explicit PerPacketTest(int repeats);

    struct Repeat {
        std::uint8_t ttl = 0;
        std::size_t flow = 0;
    };
    // Tests the hops that decide a link in what the flows met, but not the `rate_limited` ones;
    // returns the first repeats.
    std::vector<Repeat> start(const ObservationTable& table, const IpAddress& end_of_path,
                              std::set<std::uint8_t> rate_limited);
    // A repeat came back from `responder` (nullopt: lost). Returns the repeats to send next.
    std::vector<Repeat> on_outcome(const Repeat& repeat, const std::optional<IpAddress>& responder);

    // Hops where a flow met another responder than before.
    std::set<std::uint8_t> varying() const;
    // Hops where every repeat met its flow's first responder, as many as the test wants.
    std::set<std::uint8_t> per_flow() const;
    std::size_t tested() const { return hops_.size(); }
    // Hops left without a verdict: rate limited, or a repeat lost.
    std::size_t undecided() const;

private:
    struct Hop {
        std::vector<std::pair<std::size_t, IpAddress>> flows;  // flows to repeat, their responder
        std::size_t next = 0;                                  // round robin over flows
        int answered = 0;
        int outstanding = 0;
        bool varies = false;
        bool given_up = false;  // a repeat was lost: probably a rate limit
    };
    bool decided(const Hop& hop) const { return hop.varies || hop.answered >= repeats_; }
    // Starts testing `ttl` if it has flows to repeat and was not tested; appends its repeats.
    void test(std::uint8_t ttl, std::vector<Repeat>& out);
    // Appends the repeats `ttl` may have out now.
    void fill(std::uint8_t ttl, std::vector<Repeat>& out);

    int repeats_;
    const ObservationTable* table_ = nullptr;
    std::set<std::uint8_t> rate_limited_;
    IpAddress end_of_path_;
    std::map<std::uint8_t, Hop> hops_;
};

}  // namespace rtt::client
