// SPDX-License-Identifier: MIT
// reverse-traceroute-http.so: one JSON POST with cpp-httplib (http_post_plugin.h).
#include "transmit/http_post_plugin.h"

#include <cstdlib>
#include <cstring>
#include <string>

#include <httplib.h>

namespace {

char* copy(const std::string& text) {
    char* out = static_cast<char*>(std::malloc(text.size() + 1));
    if (out)
        std::memcpy(out, text.c_str(), text.size() + 1);
    return out;
}

// httplib's error names in words a user can act on.
std::string connection_problem(httplib::Error error) {
    switch (error) {
    case httplib::Error::Connection: return "connection failed: is the collector running and the URL right?";
    case httplib::Error::ConnectionTimeout: return "no answer to the connection attempt within 10 s";
    case httplib::Error::Read:
    case httplib::Error::Write: return "the connection broke or timed out";
    case httplib::Error::SSLServerVerification:
        return "its TLS certificate is not trusted: install its CA certificate or point SSL_CERT_FILE at it";
    case httplib::Error::SSLConnection: return "the TLS handshake failed";
    default: return httplib::to_string(error);
    }
}

}  // namespace

extern "C" __attribute__((visibility("default"))) void rtt_http_post(const char* origin, const char* path,
                                                                     const char* bearer_token, const char* body,
                                                                     size_t length, rtt_http_answer* answer) {
    *answer = {0, nullptr, nullptr};
    httplib::Client client(origin);
    if (!client.is_valid()) {
        answer->failure = copy("the URL is not http:// or https:// with a host");
        return;
    }
    client.set_connection_timeout(std::chrono::seconds(10));
    client.set_read_timeout(std::chrono::seconds(30));
    client.set_write_timeout(std::chrono::seconds(30));
    if (bearer_token && *bearer_token)
        client.set_bearer_token_auth(bearer_token);
    const auto result = client.Post(path, body, length, "application/json");
    if (!result) {
        answer->failure = copy(connection_problem(result.error()));
        return;
    }
    answer->status = result->status;
    answer->body = copy(result->body);
}

extern "C" __attribute__((visibility("default"))) void rtt_http_answer_free(rtt_http_answer* answer) {
    std::free(answer->body);
    std::free(answer->failure);
    *answer = {0, nullptr, nullptr};
}
