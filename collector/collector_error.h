// SPDX-License-Identifier: MIT
// An error the operator can act on: one sentence naming the cause and the fix (docs/development.md).
#pragma once

#include <stdexcept>
#include <string>

namespace rtt::collector {

class CollectorError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace rtt::collector

namespace rtt::collector {

// A trace request the looking glass will not run: the HTTP status to answer (400, 403, 422,
// 429, 503), its one sentence, and for 429/503 when to try again.
class TraceRefused : public std::runtime_error {
public:
    TraceRefused(int status, const std::string& sentence, int retry_after_s = 0)
        : std::runtime_error(sentence), status_(status), retry_after_s_(retry_after_s) {}
    int status() const { return status_; }
    int retry_after_s() const { return retry_after_s_; }

private:
    int status_;
    int retry_after_s_;
};

}  // namespace rtt::collector
