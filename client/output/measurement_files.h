// SPDX-License-Identifier: MIT
// What a finished trace leaves on disk besides the text: BASE.json (--store-json), BASE.aliases
// (--resolve-aliases) and the drawing BASE.FORMAT (-o/--format).
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "measurement/json_measurement.h"

namespace rtt::client {

// Writes `content` to `path`; throws ClientError with one sentence if it cannot.
void write_file(const std::string& path, const std::string& content);

// APAR over every flow's path of a two-way trace (forward as it is, reverse turned around).
std::vector<std::vector<IpAddress>> find_aliases(const std::vector<RecordedDirection>& recorded);

// One alias set per line, addresses separated by spaces.
std::string aliases_text(const std::vector<std::vector<IpAddress>>& aliases);

// What to draw and where: PATH in FORMAT, each direction merged unless `merge` is false.
struct DrawingRequest {
    std::string path;
    std::string format;
    bool merge = true;
};

// Draws every direction of the measurement as `request` says.
void draw_measurement(const DrawingRequest& request, const MeasurementParameters& parameters,
                      const MeasurementContext& context, const std::vector<RecordedDirection>& recorded,
                      const std::map<IpAddress, std::string>& names,
                      const std::vector<std::vector<IpAddress>>& aliases);

}  // namespace rtt::client
