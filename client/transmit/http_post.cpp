#include "transmit/http_post.h"

#include <dlfcn.h>
#include <unistd.h>

#include <filesystem>

#include <fmt/format.h>

#include "client_error.h"
#include "transmit/http_post_plugin.h"

namespace rtt::client {
namespace {

constexpr const char* kPluginName = "reverse-traceroute-http.so";

struct Plugin {
    rtt_http_post_fn post = nullptr;
    rtt_http_answer_free_fn free_answer = nullptr;
};

Plugin load_plugin() {
    std::error_code error;
    const auto beside = std::filesystem::read_symlink("/proc/self/exe", error).parent_path() / kPluginName;
    const std::string candidates[] = {beside.string(), std::string(RTT_PLUGIN_DIR) + "/" + kPluginName};
    std::string why;
    for (const auto& path : candidates) {
        if (!std::filesystem::exists(path, error))
            continue;
        void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (!handle) {
            why = dlerror();
            continue;
        }
        Plugin plugin{reinterpret_cast<rtt_http_post_fn>(dlsym(handle, RTT_HTTP_POST_SYMBOL)),
                      reinterpret_cast<rtt_http_answer_free_fn>(dlsym(handle, RTT_HTTP_ANSWER_FREE_SYMBOL))};
        if (plugin.post && plugin.free_answer)
            return plugin;
        why = fmt::format("{} lacks {}", path, RTT_HTTP_POST_SYMBOL);
    }
    throw ClientError(fmt::format("cannot load {} to transmit ({}): reinstall reverse-traceroute, or drop "
                                  "--transmit and keep the measurement with --store-json",
                                  kPluginName, why.empty() ? std::string("not found in ") + RTT_PLUGIN_DIR : why));
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
