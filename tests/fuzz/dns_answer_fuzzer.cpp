// SPDX-License-Identifier: MIT
// libFuzzer target: a DNS answer to -A's TXT query, as any DNS server on the path could send it,
// through c-ares' parser and ours (parse_origin_as).
#include <cstddef>
#include <cstdint>

#include "../../client/net/reverse_resolver.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    (void)rtt::client::origin_as_from_answer({data, size});
    return 0;
}
