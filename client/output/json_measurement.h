// The measurement as JSON in the Augsburg client's layout, so tools written for it read ours:
// {target, protocol, min_ttl, max_ttl, singlepath|multipath: {…}, inter, timeout, abort,
//  traces: {forward|reverse: [{id, address, rtt[], flows[], successors[]}]}, hostnames}.
// Each trace is a vertex list starting at its root (our address forward, the target reverse),
// with "***" vertices for silent hops; we add "ttl" per vertex and the outcome per trace.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/options.h"
#include "output/trace_record.h"

namespace rtt::client {

struct RecordedDirection {
    std::string name;  // "forward" / "reverse"
    IpAddress root;    // where the direction's probes start
    IpAddress end_of_path;
    const TraceRecord* record = nullptr;
};

nlohmann::json measurement_json(const ClientOptions& options, const std::vector<RecordedDirection>& directions,
                                 const std::map<IpAddress, std::string>& hostnames);

}  // namespace rtt::client
