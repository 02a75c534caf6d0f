// SPDX-License-Identifier: MIT
#include "net/endpoint_list.h"

#include <fstream>

#include <fmt/format.h>

#include "client_error.h"
#include "installed_file.h"

namespace rtt::client {

std::string endpoints_file() {
    return installed_file("ENDPOINTS", RTT_DATA_RELATIVE_DIR, RTT_DATA_DIR);
}

std::vector<PublicEndpoint> read_endpoints(const std::string& path) {
    std::ifstream file(path);
    if (!file)
        throw ClientError(fmt::format("cannot read the list of public servers {}: reinstall reverse-traceroute", path));
    std::vector<PublicEndpoint> endpoints;
    std::string line;
    for (int number = 1; std::getline(file, line); ++number) {
        if (line.empty() || line[0] == '#')
            continue;
        const auto first = line.find(';');
        const auto second = first == std::string::npos ? first : line.find(';', first + 1);
        if (second == std::string::npos || first == 0)
            throw ClientError(
                fmt::format("{} line {} is not address;asnumber;contact: fix or reinstall the file", path, number));
        endpoints.push_back(
            {line.substr(0, first), line.substr(first + 1, second - first - 1), line.substr(second + 1)});
    }
    return endpoints;
}

std::string endpoints_text(const std::vector<PublicEndpoint>& endpoints) {
    std::size_t width = 7;
    for (const auto& e : endpoints)
        width = std::max(width, e.address.size());
    std::string text = fmt::format("{:<{}}  {:>8}  {}\n", "address", width, "AS", "contact");
    for (const auto& e : endpoints)
        text += fmt::format("{:<{}}  {:>8}  {}\n", e.address, width, e.as_number.empty() ? "-" : "AS" + e.as_number,
                            e.contact.empty() ? "-" : e.contact);
    text += fmt::format(
        "{} public servers; trace back from one with: reverse-traceroute reverse udp singlepath "
        "ADDRESS",
        endpoints.size());
    return text;
}

}  // namespace rtt::client
