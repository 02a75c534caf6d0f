// SPDX-License-Identifier: MIT
// A campaign's target list: one target per line, optionally followed by the words the client's
// command line uses for a trace (forward, reverse, two-way; udp, tcp, icmp; singlepath,
// multipath) and server=HOST (the reverse half traced from HOST instead of the target) or
// server=closest (the server of --servers nearest the target in address space). Blank lines
// and everything after '#' are ignored. The words not given come from the campaign's options.
#pragma once

#include <istream>
#include <string>
#include <vector>

namespace rtt::client {

struct CampaignTarget {
    int line = 0;  // in the list, from 1
    std::string target;
    std::string direction;  // forward, reverse or two-way
    std::string protocol;   // udp, tcp or icmp
    std::string engine;     // singlepath or multipath
    std::string server;     // empty: the target itself; a host; or "closest"

    // What a finished measurement of it is recognised by when a campaign resumes: target,
    // direction, protocol and engine as the stored measurement has them.
    std::string identity() const;
};

struct CampaignDefaults {
    std::string direction = "two-way";
    std::string protocol = "udp";
    std::string engine = "singlepath";
    std::string server;
};

// Reads the list; throws ClientError with one sentence naming the list and line when a line is
// wrong (an unknown word, a target that is no host name or address, one no trace can reach, a
// server for a forward trace).
std::vector<CampaignTarget> read_target_list(std::istream& in, const std::string& name,
                                             const CampaignDefaults& defaults);

// The identity of a stored measurement (its target, direction, protocol and engine fields).
std::string measurement_identity(const std::string& target, const std::string& direction, const std::string& protocol,
                                 const std::string& engine);

}  // namespace rtt::client
