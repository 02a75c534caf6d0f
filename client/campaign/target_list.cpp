// SPDX-License-Identifier: MIT
#include "campaign/target_list.h"

#include <fmt/format.h>

#include <set>
#include <sstream>

#include "client_error.h"
#include "host_like.h"
#include "ip_prefix.h"

namespace rtt::client {
namespace {

const std::set<std::string> kDirections{"forward", "reverse", "two-way"};
const std::set<std::string> kProtocols{"udp", "tcp", "icmp"};
const std::set<std::string> kEngines{"singlepath", "multipath"};

}  // namespace

std::string measurement_identity(const std::string& target, const std::string& direction, const std::string& protocol,
                                 const std::string& engine) {
    return fmt::format("{} {} {} {}", target, direction, protocol, engine);
}

std::string CampaignTarget::identity() const {
    return measurement_identity(target, direction, protocol, engine);
}

std::vector<CampaignTarget> read_target_list(std::istream& in, const std::string& name,
                                             const CampaignDefaults& defaults) {
    std::vector<CampaignTarget> targets;
    std::string text;
    int number = 0;
    while (std::getline(in, text)) {
        ++number;
        if (const auto hash = text.find('#'); hash != std::string::npos)
            text.erase(hash);
        std::istringstream words(text);
        std::string word;
        if (!(words >> word))
            continue;
        const auto wrong = [&](const std::string& why) {
            return ClientError(fmt::format("{} line {}: {}", name, number, why));
        };
        CampaignTarget target{number, word, defaults.direction, defaults.protocol, defaults.engine, defaults.server};
        if (!host_like(target.target))
            throw wrong(fmt::format("\"{}\" is not a host name or address", target.target.substr(0, 80)));
        if (const auto address = IpAddress::parse(target.target)) {
            if (const SpecialRange* range = special_range(*address); range && range->unroutable)
                throw wrong(
                    fmt::format("{} is {}, where no trace can go: remove the line", target.target, range->what));
        }
        bool server_named = false;
        while (words >> word) {
            if (kDirections.count(word))
                target.direction = word;
            else if (kProtocols.count(word))
                target.protocol = word;
            else if (kEngines.count(word))
                target.engine = word;
            else if (word.rfind("server=", 0) == 0) {
                target.server = word.substr(7);
                server_named = true;
                if (target.server != "closest" && !host_like(target.server))
                    throw wrong(fmt::format("server \"{}\" is not a host name or address, nor \"closest\"",
                                            target.server.substr(0, 80)));
            } else {
                throw wrong(
                    fmt::format("\"{}\" is not a direction, protocol, engine or server=HOST", word.substr(0, 40)));
            }
        }
        if (target.direction == "forward") {
            if (server_named)
                throw wrong("server= names where the reverse half is traced from, and a forward trace has none");
            target.server.clear();  // a default server does not apply to forward lines
        }
        targets.push_back(std::move(target));
    }
    return targets;
}

}  // namespace rtt::client
