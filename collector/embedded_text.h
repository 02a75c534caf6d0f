// SPDX-License-Identifier: MIT
// Files compiled into the collector (see collector/CMakeLists.txt): the measurement schema from
// docs/ and the web page and its base map from collector/web/, so an installed binary needs nothing beside it.
#pragma once

#include <string_view>

namespace rtt::collector {

std::string_view measurement_schema_text();
std::string_view web_page_html();
// The page's base map (collector/web/world.json, made by scripts/make-world-map.mjs).
std::string_view world_map_json();

}  // namespace rtt::collector
