// SPDX-License-Identifier: MIT
// What changed between two measurements of one target, per direction: the hops (vertices) and
// links that appeared and disappeared. Hops are compared by address; a hop that did not answer
// ("***") has no address, so it is named by its TTL ("*** at 4"), which is as much as two
// traces can be said to share about it.
#pragma once

#include <nlohmann/json.hpp>

namespace rtt::collector {

// {"directions": {"forward": {"hops": {"appeared": [...], "disappeared": [...]},
//                             "links": {"appeared": [[a, b], ...], "disappeared": [...]},
//                             "unchanged": bool}, ...}}
// for the directions either measurement traced. Throws MeasurementError for a document that is
// not in this tool's format (the Augsburg client's, say).
nlohmann::json path_difference(const nlohmann::json& before, const nlohmann::json& after);

}  // namespace rtt::collector
