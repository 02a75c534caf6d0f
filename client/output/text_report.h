// SPDX-License-Identifier: MIT
// Streaming text like traceroute: one line per hop as soon as it and every hop before it are
// known, `*` for silence, `!H !N !P !X …` for unreachable codes, and a last line that says
// whether the end of the path was reached (and for TCP whether the port is open or closed).
// Multipath prints the graph when it is complete: per TTL each vertex with its RTT summary,
// flow count and successors.
// Two-way output prints the forward section first; the reverse one is held back until then.
#pragma once

#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "measurement/geoip_database.h"
#include "measurement/trace_direction.h"
#include "measurement/trace_result.h"
#include "net/reverse_resolver.h"
#include "trace_defaults.h"

namespace rtt::client {

struct SectionHeading {
    TraceDirection direction = TraceDirection::forward;
    Protocol protocol = Protocol::udp;
    std::string target_name;
    IpAddress target;
    IpAddress source;
    IpAddress end_of_path;
    int first_ttl = defaults::kFirstTtl;
    int max_ttl = defaults::kMaxTtl;
    int abort_after = defaults::kAbortAfter;
    std::uint16_t flow = 0;
    int probes_per_hop = defaults::kProbesPerHop;
    bool multipath = false;
    double confidence = defaults::kConfidence;
    bool trace_bound = false;       // the confidence is for the whole trace
    bool merge = true;              // multipath: fold vertices seen at several TTLs
    bool flow_paths = false;        // multipath: also the per-flow table (--paths)
    std::size_t path_mtu_from = 0;  // --mtu (forward): path MTU discovery starting at this size
    double min_share = 0;           // multipath --min-share: the smallest share covered (0: even shares)
};

class TextReport {
public:
    // `places`: shows each hop's place (-G); null: none.
    TextReport(std::FILE* out, ReverseResolver& resolver, const GeoIpDatabase* places = nullptr);
    ~TextReport();

    // Adds a section; its observer receives that direction's hops.
    TraceObserver& add_section(const SectionHeading& heading);
    // Called before any line is written (clears a progress line on the terminal).
    void before_writing(std::function<void()> clear) { clear_ = std::move(clear); }

private:
    class Section;
    void print(std::size_t section, const std::string& line);
    void section_finished(std::size_t section);

    std::FILE* out_;
    ReverseResolver& resolver_;
    const GeoIpDatabase* places_;
    std::vector<std::unique_ptr<Section>> sections_;
    std::size_t printing_ = 0;  // sections before this one are complete
    std::function<void()> clear_;
};

// How a hop's address is shown: "name (address)" or the address, with " [AS64500]" (or " [*]")
// when AS numbers are looked up (-A), as traceroute -A. `wait`: for answers, within the
// resolver's budget (the live view does not wait). `with_name` false: the address alone, AS
// numbers still shown (the live view's n key). `places` (-G): " [Augsburg, DE]" from the GeoIP
// database, or " [no location]".
std::string address_label(const IpAddress& address, ReverseResolver& resolver, bool wait = true, bool with_name = true,
                          const GeoIpDatabase* places = nullptr);

}  // namespace rtt::client
