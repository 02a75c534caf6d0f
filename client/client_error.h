// SPDX-License-Identifier: MIT
// An error the user can act on: one sentence naming the cause and the fix (docs/development.md).
#pragma once

#include <stdexcept>

namespace rtt::client {

class ClientError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace rtt::client
