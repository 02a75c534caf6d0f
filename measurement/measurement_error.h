// SPDX-License-Identifier: MIT
// A measurement that cannot be read or drawn, or a drawing that cannot be written: one sentence
// naming the cause and the fix, shown as it is by the client and the collector.
#pragma once

#include <stdexcept>

namespace rtt {

class MeasurementError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace rtt
