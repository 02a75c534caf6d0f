// SPDX-License-Identifier: MIT
#include "access_control.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
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

std::vector<std::string> words(const std::string& line) {
    std::vector<std::string> found;
    std::size_t at = 0;
    while ((at = line.find_first_not_of(" \t", at)) != std::string::npos) {
        const auto end = line.find_first_of(" \t", at);
        found.push_back(line.substr(at, end == std::string::npos ? std::string::npos : end - at));
        at = end;
    }
    return found;
}

constexpr unsigned kSubmitAndRead = static_cast<unsigned>(Scope::submit) | static_cast<unsigned>(Scope::read);

unsigned scopes_of(const std::string& list, const std::string& path, int line_number) {
    unsigned scopes = 0;
    std::size_t at = 0;
    while (at <= list.size()) {
        const auto comma = std::min(list.find(',', at), list.size());
        const std::string scope = list.substr(at, comma - at);
        if (scope == "submit")
            scopes |= static_cast<unsigned>(Scope::submit);
        else if (scope == "read")
            scopes |= static_cast<unsigned>(Scope::read);
        else if (scope == "trace")
            scopes |= static_cast<unsigned>(Scope::trace);
        else if (scope == "metrics")
            scopes |= static_cast<unsigned>(Scope::metrics);
        else
            throw CollectorError(
                fmt::format("token file {} line {}: unknown scope \"{}\": give submit, read, trace "
                            "and metrics, separated by commas",
                            path, line_number, scope.substr(0, 40)));
        at = comma + 1;
    }
    return scopes;
}

}  // namespace

AccessControl AccessControl::from_file(const std::string& path) {
    std::ifstream file(path);
    if (!file)
        throw CollectorError(fmt::format("cannot read token file {}: check the path and its permissions", path));
    AccessControl control;
    std::string line;
    int line_number = 0;
    while (std::getline(file, line)) {
        ++line_number;
        line = trimmed(line);
        if (line.empty() || line[0] == '#')
            continue;
        const auto fields = words(line);
        if (fields.size() > 3)
            throw CollectorError(
                fmt::format("token file {} line {}: give TOKEN [NAME [SCOPES]], nothing more", path, line_number));
        Token token{fields[0], {fmt::format("token-{}", control.tokens_.size() + 1), kSubmitAndRead}};
        if (fields.size() >= 2)
            token.grant.name = fields[1];
        if (fields.size() == 3)
            token.grant.scopes = scopes_of(fields[2], path, line_number);
        control.tokens_.push_back(std::move(token));
    }
    if (control.tokens_.empty())
        throw CollectorError(
            fmt::format("token file {} holds no token: write one token per line (e.g. from "
                        "`openssl rand -hex 32`)",
                        path));
    return control;
}

std::optional<Grant> AccessControl::grant(const std::string& authorization) const {
    std::optional<Grant> anonymous;
    if (tokens_.empty() || open_traces_)
        anonymous = Grant{
            "anonymous",
            (tokens_.empty() ? kSubmitAndRead : 0) | (open_traces_ ? static_cast<unsigned>(Scope::trace) : 0), true};
    if (tokens_.empty())
        return anonymous;
    const auto token = presented_token(authorization);
    if (!token || token->empty())
        return anonymous;
    const Token* known = nullptr;
    for (const auto& candidate : tokens_)
        if (same(*token, candidate.secret) && known == nullptr)  // no early exit: the same time for every token
            known = &candidate;
    if (known == nullptr)
        return anonymous;
    Grant grant = known->grant;
    if (open_traces_)
        grant.scopes |= static_cast<unsigned>(Scope::trace);
    return grant;
}

}  // namespace rtt::collector
