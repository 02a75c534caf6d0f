// SPDX-License-Identifier: MIT
#include "transmit/http_post.h"

#include <dlfcn.h>

#include <fmt/format.h>

#include "client_error.h"
#include "installed_file.h"
#include "transmit/http_post_plugin.h"

namespace rtt::client {
namespace {

constexpr const char* kPluginName = "reverse-traceroute-http.so";

struct Plugin {
    rtt_http_post_fn post = nullptr;
    rtt_http_answer_free_fn free_answer = nullptr;
};

Plugin load_plugin() {
    const std::string path = installed_file(kPluginName, RTT_PLUGIN_RELATIVE_DIR, RTT_PLUGIN_DIR);
    std::string why;
    if (void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)) {
        Plugin plugin{reinterpret_cast<rtt_http_post_fn>(dlsym(handle, RTT_HTTP_POST_SYMBOL)),
                      reinterpret_cast<rtt_http_answer_free_fn>(dlsym(handle, RTT_HTTP_ANSWER_FREE_SYMBOL))};
        if (plugin.post && plugin.free_answer)
            return plugin;
        why = fmt::format("it lacks {}", RTT_HTTP_POST_SYMBOL);
    } else {
        why = dlerror();
    }
    throw ClientError(
        fmt::format("cannot load {} to transmit ({}): reinstall reverse-traceroute, or drop "
                    "--transmit and keep the measurement with --store-json",
                    path, why));
}

}  // namespace

HttpAnswer http_post_json(const std::string& origin, const std::string& path, const std::string& bearer_token,
                          const std::string& body) {
    static const Plugin plugin = load_plugin();
    rtt_http_answer answer{};
    plugin.post(origin.c_str(), path.c_str(), bearer_token.c_str(), body.data(), body.size(), &answer);
    HttpAnswer result{answer.status, answer.body ? answer.body : "", answer.failure ? answer.failure : ""};
    plugin.free_answer(&answer);
    return result;
}

}  // namespace rtt::client
