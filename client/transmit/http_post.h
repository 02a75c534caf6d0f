// SPDX-License-Identifier: MIT
// One JSON POST through the dlopen'ed plugin reverse-traceroute-http.so (http_post_plugin.h),
// found with installed_file().
#pragma once

#include <string>

namespace rtt::client {

struct HttpAnswer {
    int status = 0;  // 0: no answer, see failure
    std::string body;
    std::string failure;  // why there was no answer, one phrase
};

// Throws ClientError with one sentence if the plugin cannot be loaded.
HttpAnswer http_post_json(const std::string& origin, const std::string& path, const std::string& bearer_token,
                          const std::string& body);

}  // namespace rtt::client
