// SPDX-License-Identifier: MIT
/* The C interface of reverse-traceroute-http.so, the plugin that posts a measurement over
 * HTTP(S) with cpp-httplib. The client loads it with dlopen only for --transmit: linked in,
 * cpp-httplib and OpenSSL would add their load time to every run (measured: README). */
#pragma once

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rtt_http_answer {
    int status;    /* HTTP status, or 0 if there was no answer (see failure) */
    char* body;    /* malloc'd, NUL-terminated; may be NULL */
    char* failure; /* malloc'd sentence when status is 0; else NULL */
};

typedef void (*rtt_http_post_fn)(const char* origin, const char* path, const char* bearer_token, const char* body,
                                 size_t length, struct rtt_http_answer* answer);
typedef void (*rtt_http_answer_free_fn)(struct rtt_http_answer* answer);

#define RTT_HTTP_POST_SYMBOL "rtt_http_post"
#define RTT_HTTP_ANSWER_FREE_SYMBOL "rtt_http_answer_free"

#ifdef __cplusplus
}
#endif
