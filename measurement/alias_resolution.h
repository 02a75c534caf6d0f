// SPDX-License-Identifier: MIT
// Alias resolution with APAR (Gunes & Sarac; docs/multipath.md §4), analytical, no probes:
// on a two-way IPv4 trace, the forward paths and the reversed reverse paths run the same way
// (client → server). A router answers forward probes from the interface they came in on and
// reverse probes from the interface facing the server, so when an address b seen on the way
// back shares a point-to-point subnet with the address a one hop further on the way out, b and
// the address before a on the way out are the two interfaces of one router.
#pragma once

#include <vector>

#include "ip_address.h"

namespace rtt {

using AddressPath = std::vector<IpAddress>;  // from the client toward the server

// Alias sets (two or more addresses of one router each), from forward paths (client → server)
// and reverse paths already turned around (client → server as well). IPv4 only.
std::vector<std::vector<IpAddress>> resolve_aliases(const std::vector<AddressPath>& forward,
                                                    const std::vector<AddressPath>& reverse_turned);

}  // namespace rtt
