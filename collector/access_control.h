// SPDX-License-Identifier: MIT
// Who may read and write: the bearer tokens of --token-file (one per line; blank lines and lines
// starting with # ignored). The Augsburg client sends HTTP basic auth instead; its password is
// taken as the token. Tokens are compared in constant time and never logged.
#pragma once

#include <string>
#include <vector>

namespace rtt::collector {

class AccessControl {
public:
    // Everyone is let in (--open).
    AccessControl() = default;
    // Reads the token file; throws CollectorError if it cannot or it holds no token.
    static AccessControl from_file(const std::string& path);

    // True if the Authorization header value carries a known token (or access is open).
    bool allows(const std::string& authorization) const;
    bool open() const { return tokens_.empty(); }

private:
    std::vector<std::string> tokens_;
};

}  // namespace rtt::collector
