// SPDX-License-Identifier: MIT
// The ENDPOINTS file: public reverse traceroute servers, one per line as
// address;asnumber;contact ('#' starts a comment). Installed to the data folder; in a build
// tree a copy sits beside the executable.
#pragma once

#include <string>
#include <vector>

namespace rtt::client {

struct PublicEndpoint {
    std::string address;
    std::string as_number;
    std::string contact;
};

// The file --endpoints reads (installed_file.h).
std::string endpoints_file();

// Throws ClientError with one sentence if the file cannot be read or a line is malformed.
std::vector<PublicEndpoint> read_endpoints(const std::string& path);

// A table for the terminal, with the way to use an entry.
std::string endpoints_text(const std::vector<PublicEndpoint>& endpoints);

}  // namespace rtt::client
