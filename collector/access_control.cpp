// SPDX-License-Identifier: MIT
#include "access_control.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <fstream>
#include <optional>

#include <fmt/format.h>

#include "collector_error.h"

namespace rtt::collector {
namespace {

std::string trimmed(const std::string& text) {
    const auto first = text.find_first_not_of(" \t\r");
    if (first == std::string::npos)
        return {};
    const auto last = text.find_last_not_of(" \t\r");
    return text.substr(first, last - first + 1);
}

std::optional<std::string> base64_decoded(const std::string& text) {
    if (text.empty() || text.size() % 4 != 0)
        return std::nullopt;
    std::string out(text.size() / 4 * 3, '\0');
    const int length =
        EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                        reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
    if (length < 0)
        return std::nullopt;
    // EVP_DecodeBlock counts the bytes the padding stands for; drop them.
    const auto padding = text.size() - text.find_last_not_of('=') - 1;
    out.resize(static_cast<std::size_t>(length) - padding);
    return out;
}

// The token an Authorization header carries: "Bearer TOKEN" or "Basic base64(user:TOKEN)".
std::optional<std::string> presented_token(const std::string& authorization) {
    const auto space = authorization.find(' ');
    if (space == std::string::npos)
        return std::nullopt;
    const std::string scheme = authorization.substr(0, space);
    const std::string credentials = trimmed(authorization.substr(space + 1));
    if (scheme == "Bearer")
        return credentials;
    if (scheme == "Basic") {
        const auto decoded = base64_decoded(credentials);
        if (!decoded)
            return std::nullopt;
        const auto colon = decoded->find(':');
        if (colon == std::string::npos)
            return std::nullopt;
        return decoded->substr(colon + 1);
    }
    return std::nullopt;
}

bool same(const std::string& a, const std::string& b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

AccessControl AccessControl::from_file(const std::string& path) {
    std::ifstream file(path);
    if (!file)
        throw CollectorError(fmt::format("cannot read token file {}: check the path and its permissions", path));
    AccessControl control;
    std::string line;
    while (std::getline(file, line)) {
        line = trimmed(line);
        if (!line.empty() && line[0] != '#')
            control.tokens_.push_back(line);
    }
    if (control.tokens_.empty())
        throw CollectorError(
            fmt::format("token file {} holds no token: write one token per line (e.g. from "
                        "`openssl rand -hex 32`)",
                        path));
    return control;
}

bool AccessControl::allows(const std::string& authorization) const {
    if (tokens_.empty())
        return true;
    const auto token = presented_token(authorization);
    if (!token || token->empty())
        return false;
    bool known = false;
    for (const auto& candidate : tokens_)
        known = same(*token, candidate) || known;  // no early exit: the same time for every token
    return known;
}

}  // namespace rtt::collector
