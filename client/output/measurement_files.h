// What a finished trace leaves on disk besides the text: BASE.json (--store-json), BASE.aliases
// (--resolve-aliases) and the drawing BASE.FORMAT (-o/--format).
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/options.h"
#include "output/json_measurement.h"

namespace rtt::client {

// Writes `content` to `path`; throws ClientError with one sentence if it cannot.
void write_file(const std::string& path, const std::string& content);

// APAR over every flow's path of a two-way trace (forward as it is, reverse turned around).
std::vector<std::vector<IpAddress>> find_aliases(const std::vector<RecordedDirection>& recorded);

// One alias set per line, addresses separated by spaces.
std::string aliases_text(const std::vector<std::vector<IpAddress>>& aliases);

// Draws every direction (merged unless --no-merge) to BASE.FORMAT.
void draw_measurement(const ClientOptions& options, const MeasurementContext& context,
                      const std::vector<RecordedDirection>& recorded, const std::map<IpAddress, std::string>& names,
                      const std::vector<std::vector<IpAddress>>& aliases);

}  // namespace rtt::client
