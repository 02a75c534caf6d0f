// SPDX-License-Identifier: MIT
// What parsing a JSON text would cost, found without building it: its nesting depth and an
// estimate of the memory the parsed document (nlohmann::json) would take. Text of a few bytes
// per value ("0,0,0,...") parses into many times its size, so the collector refuses bodies
// whose document would be too large before it builds one.
#pragma once

#include <cstddef>
#include <string>

namespace rtt::collector {

struct JsonCost {
    bool valid = false;       // well-formed JSON (as far as it was read)
    int depth = 0;            // deepest nesting seen
    std::size_t memory = 0;   // estimated bytes of the parsed document
    bool over_limit = false;  // stopped early: depth or memory above the limits
};

JsonCost json_cost(const std::string& text, int max_depth, std::size_t max_memory);

}  // namespace rtt::collector
