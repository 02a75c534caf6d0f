// SPDX-License-Identifier: MIT
// Who may do what: the bearer tokens of --token-file, one per line (blank lines and lines
// starting with # ignored), each as `TOKEN [NAME [SCOPES]]`: SCOPES is a comma-separated list of
// submit (store measurements), read (list and fetch them), trace (run traces on request, the
// looking glass) and metrics (scrape /metrics, which loopback peers may do without a token). A line with the token
// alone is named token-N (its place in the file) and may submit and read, as every token could before scopes existed.
// The Augsburg client sends HTTP basic auth instead; its password is taken as the token. Tokens are compared in
// constant time and never logged; names are what the measurements and logs say instead.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace rtt::collector {

enum class Scope : unsigned { submit = 1, read = 2, trace = 4, metrics = 8 };

struct Grant {
    std::string name;  // the token's name; "anonymous" when access is open
    unsigned scopes = 0;
    bool anonymous = false;  // no known token was presented
    bool has(Scope scope) const { return (scopes & static_cast<unsigned>(scope)) != 0; }
};

class AccessControl {
public:
    // Everyone may submit and read (--open).
    AccessControl() = default;
    // Reads the token file; throws CollectorError (one sentence) if it cannot, it holds no
    // token, or a line names an unknown scope.
    static AccessControl from_file(const std::string& path);

    // Anyone, with or without a token, may also run traces (--open-traces).
    void open_traces() { open_traces_ = true; }

    // What the Authorization header value's token may do; nullopt for no or an unknown token
    // (unless access or tracing is open: then anonymous's grant).
    std::optional<Grant> grant(const std::string& authorization) const;
    // True if the header carries a known token (or access is open).
    bool allows(const std::string& authorization) const { return grant(authorization).has_value(); }
    bool open() const { return tokens_.empty(); }

private:
    struct Token {
        std::string secret;
        Grant grant;
    };
    std::vector<Token> tokens_;
    bool open_traces_ = false;
};

}  // namespace rtt::collector
