// SPDX-License-Identifier: MIT
// The one-sentence errors the server shows its user (cause and fix), raised wherever they
// are found and printed once by main().
#pragma once

#include <stdexcept>
#include <string>

namespace rtt::server {

class ServerError : public std::runtime_error {
public:
    explicit ServerError(const std::string& sentence) : std::runtime_error(sentence) {}
};

}  // namespace rtt::server
