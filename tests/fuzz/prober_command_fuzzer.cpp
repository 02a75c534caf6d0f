// SPDX-License-Identifier: MIT
// Fuzzes the prober's command parser (client/service/prober_command): any line must be taken
// or refused with ProberCommandError, never crash, hang or throw anything else.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "../../client/service/prober_command.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        (void)rtt::client::parse_prober_command(std::string_view(reinterpret_cast<const char*>(data), size));
    } catch (const rtt::client::ProberCommandError&) {
    }
    return 0;
}
