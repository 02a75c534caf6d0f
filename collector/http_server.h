// SPDX-License-Identifier: MIT
// The collector's HTTP(S) server, on libmicrohttpd: a few event-driven threads serve every
// connection, so slow or idle peers hold a socket each, never a thread. What an exposed service
// needs on top of that is here: connections per address and in all, a total deadline for a
// request's headers and one for the whole request (a peer that trickles a byte now and then is
// cut off all the same), and a bound on the request bodies held in memory at once.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace rtt::collector {

struct HttpRequest {
    std::string method;
    std::string path;                                         // percent-decoded, without the query
    std::vector<std::pair<std::string, std::string>> params;  // the query, decoded, in order
    std::string client;  // the peer's address, or the one a trusted proxy names (forwarded-for)
    std::string peer;    // the peer's address, whatever it forwards
    std::string body;
    // A request header (case-insensitive name), or "" if absent.
    std::function<std::string(const std::string&)> header;
};

// A response body sent while it is produced (Server-Sent Events). The server asks `next` for
// more whenever the peer can take it; "nothing yet" parks the connection (no thread waits for
// it) until the producer calls the waker it was given.
class ResponseStream {
public:
    virtual ~ResponseStream() = default;
    // The next bytes; "" when nothing is ready yet; nullopt at the end of the body.
    virtual std::optional<std::string> next() = 0;
    // Called once before the first `next`: `wake`, callable from any thread (but not while
    // holding a lock that `next` takes), says that `next` has more.
    virtual void set_waker(std::function<void()> wake) = 0;
};

struct HttpResponse {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    std::shared_ptr<ResponseStream> stream;  // if set, the body comes from it instead
};

struct HttpHandlers {
    // Called once the headers are in, before any body is read: answers it (e.g. 401, 429) by
    // returning false, so that refused bodies are never read.
    std::function<bool(const HttpRequest&, HttpResponse&)> admit;
    // The request with its body (for methods that have one); exceptions become a 500.
    std::function<void(const HttpRequest&, HttpResponse&)> handle;
    // True for requests whose body is kept (the others' bodies are read and dropped).
    std::function<bool(const HttpRequest&)> takes_body;
    // Optional, for the metrics: each response's status once it is queued; each connection
    // opened (+1) and closed (-1).
    std::function<void(int status)> answered;
    std::function<void(int change)> connections_changed;
};

struct HttpServerOptions {
    std::string host = "127.0.0.1";
    int port = 8080;           // 0: any free port
    std::string tls_cert_pem;  // with tls_key_pem: HTTPS
    std::string tls_key_pem;
    unsigned threads = 8;         // event loops, each serving many connections
    unsigned connections = 1024;  // open at once, in all
    unsigned connections_per_address = 16;
    std::chrono::seconds header_deadline{10};   // from connecting (or the previous answer) to the last header
    std::chrono::seconds request_deadline{60};  // from the same start to the last byte of the body
    std::size_t max_body = std::size_t{8} << 20;
    std::size_t body_memory = std::size_t{32} << 20;  // bodies being received, in all (more: 503)
    std::vector<std::string> trusted_proxies;         // peers whose X-Forwarded-For is believed
};

class HttpServer {
public:
    // Listens and serves until destroyed; throws CollectorError (one sentence) if it cannot.
    HttpServer(const HttpServerOptions& options, HttpHandlers handlers);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    int port() const;

    struct State;  // shared with libmicrohttpd's callbacks

private:
    std::unique_ptr<State> state_;
};

}  // namespace rtt::collector
