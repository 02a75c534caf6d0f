// SPDX-License-Identifier: MIT
// An error the operator can act on: one sentence naming the cause and the fix (docs/development.md).
#pragma once

#include <stdexcept>

namespace rtt::collector {

class CollectorError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace rtt::collector
