// SPDX-License-Identifier: MIT
#include "measurement/path_mtu.h"

#include <fmt/format.h>

namespace rtt {

nlohmann::json path_mtu_json(const PathMtu& mtu) {
    nlohmann::json drops = nlohmann::json::array();
    for (const auto& d : mtu.drops) {
        nlohmann::json entry{{"ttl", d.ttl},
                             {"from", d.from},
                             {"to", d.to},
                             {"how", d.how == PathMtuDrop::How::too_big ? "too_big" : "black_hole"}};
        if (d.reported_by) {
            entry["reported_by"] = d.reported_by->to_string();
            entry["reported_mtu"] = d.reported_mtu;
        }
        if (d.last_answering)
            entry["after"] = d.last_answering->to_string();
        drops.push_back(std::move(entry));
    }
    return {{"first", mtu.first}, {"found", mtu.found}, {"reached", mtu.reached}, {"drops", std::move(drops)}};
}

std::vector<std::string> path_mtu_lines(const PathMtu& mtu) {
    std::vector<std::string> lines;
    lines.push_back(fmt::format("path MTU {} bytes{} (probing started at {}, the interface's MTU)", mtu.found,
                                mtu.reached ? "" : " up to the last hop that answered", mtu.first));
    for (const auto& d : mtu.drops) {
        if (d.how == PathMtuDrop::How::too_big) {
            const std::string said = d.reported_mtu > 0 ? fmt::format("MTU {}", d.reported_mtu)
                                                        : std::string("no MTU: a smaller size tried");
            lines.push_back(fmt::format("    hop {}: {} -> {} bytes: {} said the packet is too big ({})", d.ttl, d.from,
                                        d.to, d.reported_by ? d.reported_by->to_string() : "a router", said));
        } else {
            lines.push_back(fmt::format(
                "    hop {}: {} -> {} bytes: black hole: probes of {} bytes or more vanish{} with no ICMP error", d.ttl,
                d.from, d.to, d.to + 1,
                d.last_answering ? fmt::format(" after {}", d.last_answering->to_string()) : std::string()));
        }
    }
    return lines;
}

}  // namespace rtt
