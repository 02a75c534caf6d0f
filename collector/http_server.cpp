// SPDX-License-Identifier: MIT
#include "http_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "collector_error.h"

namespace rtt::collector {

using Clock = std::chrono::steady_clock;

// A connection as the deadline watch sees it.
struct TrackedConnection {
    int fd = -1;
    Clock::time_point since;  // connected, or answered its previous request
    bool headers_in = false;  // the current request's headers are complete
    bool streaming = false;   // answering with a stream: its producer bounds it, not the deadline
    bool cut = false;         // shut down for missing its deadline
};

// A streamed response's side of the connection: parked (suspended) while its stream has
// nothing, woken by the producer. Shared with the waker, which may outlive the response.
struct StreamLink {
    std::mutex mutex;
    MHD_Connection* connection = nullptr;
    std::shared_ptr<ResponseStream> stream;
    std::string pending;
    std::size_t offset = 0;
    bool suspended = false;
    bool gone = false;     // the response was freed: waking does nothing
    bool closing = false;  // the server is stopping: end the body
};

// One request while it is received and answered (libmicrohttpd's per-request pointer).
struct Exchange {
    HttpRequest request;
    bool body_wanted = false;  // the body is kept (reserved in the memory budget)
    bool too_large = false;    // it outgrew --max-body: the rest is read and dropped, then 413
    std::size_t reserved = 0;
    int status = 0;  // of the response queued, for the access log
    std::size_t sent = 0;
};

struct HttpServer::State {
    HttpServerOptions options;
    HttpHandlers handlers;
    MHD_Daemon* daemon = nullptr;
    std::atomic<std::size_t> body_memory_used{0};

    std::mutex mutex;  // guards connections, streams and stopping
    std::map<MHD_Connection*, TrackedConnection> connections;
    std::vector<std::weak_ptr<StreamLink>> streams;
    bool stopping = false;
    std::condition_variable wake;
    std::thread watch;

    bool reserve(std::size_t bytes) {
        std::size_t used = body_memory_used.load();
        do {
            if (used + bytes > options.body_memory)
                return false;
        } while (!body_memory_used.compare_exchange_weak(used, used + bytes));
        return true;
    }

    // Shuts down connections past their deadline. shutdown() does not close the descriptor, and
    // libmicrohttpd reports a connection closed (which removes it here, under the same lock)
    // before it closes its socket, so the descriptor is always still this connection's.
    void watch_deadlines() {
        std::unique_lock lock(mutex);
        while (!stopping) {
            wake.wait_for(lock, std::chrono::milliseconds(250));
            const auto now = Clock::now();
            for (auto& [connection, tracked] : connections) {
                const auto limit = tracked.headers_in ? options.request_deadline : options.header_deadline;
                if (!tracked.cut && !tracked.streaming && tracked.fd >= 0 && now - tracked.since > limit) {
                    ::shutdown(tracked.fd, SHUT_RDWR);
                    tracked.cut = true;
                }
            }
        }
    }
};

namespace {

using State = HttpServer::State;

std::string address_text(const sockaddr* address) {
    char text[INET6_ADDRSTRLEN] = "?";
    if (address == nullptr)
        return text;
    if (address->sa_family == AF_INET) {
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(address)->sin_addr, text, sizeof text);
    } else if (address->sa_family == AF_INET6) {
        const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
        if (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr))
            inet_ntop(AF_INET, &v6->sin6_addr.s6_addr[12], text, sizeof text);
        else
            inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
    }
    return text;
}

bool is_address(const std::string& text) {
    in6_addr v6{};
    in_addr v4{};
    return inet_pton(AF_INET, text.c_str(), &v4) == 1 || inet_pton(AF_INET6, text.c_str(), &v6) == 1;
}

// The client a request is from: the peer, or for a trusted proxy the last address it added to
// X-Forwarded-For (the earlier ones are whatever the client claimed).
std::string peer_of(MHD_Connection* connection) {
    const auto* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    return address_text(info ? info->client_addr : nullptr);
}

std::string client_of(const State& state, MHD_Connection* connection) {
    std::string peer = peer_of(connection);
    const auto& proxies = state.options.trusted_proxies;
    if (std::find(proxies.begin(), proxies.end(), peer) == proxies.end())
        return peer;
    const char* forwarded = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "X-Forwarded-For");
    if (forwarded == nullptr)
        return peer;
    std::string last = forwarded;
    if (const auto comma = last.rfind(','); comma != std::string::npos)
        last = last.substr(comma + 1);
    last.erase(0, last.find_first_not_of(" \t"));
    last.erase(last.find_last_not_of(" \t") + 1);
    return is_address(last) ? last : peer;
}

MHD_Result collect_param(void* cls, MHD_ValueKind, const char* key, const char* value) {
    static_cast<HttpRequest*>(cls)->params.emplace_back(key ? key : "", value ? value : "");
    return MHD_YES;
}

// libmicrohttpd asks for the next bytes of a streamed body.
ssize_t read_stream(void* cls, std::uint64_t, char* buffer, std::size_t max) {
    auto& link = **static_cast<std::shared_ptr<StreamLink>*>(cls);
    std::lock_guard lock(link.mutex);
    if (link.closing)
        return MHD_CONTENT_READER_END_OF_STREAM;
    if (link.offset == link.pending.size()) {
        auto more = link.stream->next();
        if (!more)
            return MHD_CONTENT_READER_END_OF_STREAM;
        if (more->empty()) {
            // Parked until the producer wakes it (under this lock, so no wake is missed).
            link.suspended = true;
            MHD_suspend_connection(link.connection);
            return 0;
        }
        link.pending = std::move(*more);
        link.offset = 0;
    }
    const std::size_t count = std::min(max, link.pending.size() - link.offset);
    link.pending.copy(buffer, count, link.offset);
    link.offset += count;
    return static_cast<ssize_t>(count);
}

void free_stream(void* cls) {
    auto* owner = static_cast<std::shared_ptr<StreamLink>*>(cls);
    {
        std::lock_guard lock((*owner)->mutex);
        (*owner)->gone = true;
    }
    delete owner;
}

void wake_link(StreamLink& link) {
    std::lock_guard lock(link.mutex);
    if (link.suspended && !link.gone) {
        link.suspended = false;
        MHD_resume_connection(link.connection);
    }
}

MHD_Response* streamed_response(State& state, MHD_Connection* connection, const HttpResponse& response) {
    auto link = std::make_shared<StreamLink>();
    link->connection = connection;
    link->stream = response.stream;
    {
        std::lock_guard lock(state.mutex);
        if (auto found = state.connections.find(connection); found != state.connections.end())
            found->second.streaming = true;
        std::erase_if(state.streams, [](const auto& weak) { return weak.expired(); });
        state.streams.push_back(link);
    }
    response.stream->set_waker([weak = std::weak_ptr<StreamLink>(link)] {
        if (auto alive = weak.lock())
            wake_link(*alive);
    });
    auto* owner = new std::shared_ptr<StreamLink>(link);
    MHD_Response* reply =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, std::size_t{16} * 1024, &read_stream, owner, &free_stream);
    if (reply == nullptr)
        delete owner;
    return reply;
}

MHD_Result queue(State& state, MHD_Connection* connection, Exchange& exchange, const HttpResponse& response) {
    MHD_Response* reply =
        response.stream ? streamed_response(state, connection, response)
                        : MHD_create_response_from_buffer(response.body.size(), const_cast<char*>(response.body.data()),
                                                          MHD_RESPMEM_MUST_COPY);
    if (reply == nullptr)
        return MHD_NO;
    MHD_add_response_header(reply, MHD_HTTP_HEADER_CONTENT_TYPE, response.content_type.c_str());
    for (const auto& [name, value] : response.headers)
        MHD_add_response_header(reply, name.c_str(), value.c_str());
    const MHD_Result queued = MHD_queue_response(connection, static_cast<unsigned>(response.status), reply);
    MHD_destroy_response(reply);
    exchange.status = response.status;
    exchange.sent = response.body.size();
    if (state.handlers.answered)
        state.handlers.answered(response.status);
    return queued;
}

HttpResponse error_response(int status, const std::string& sentence) {
    HttpResponse response;
    response.status = status;
    response.body = fmt::format("{{\"error\": \"{}\"}}\n", sentence);  // our own sentences: no quotes in them
    return response;
}

bool has_body(MHD_Connection* connection) {
    const char* length = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    return MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING) != nullptr ||
           (length != nullptr && std::strcmp(length, "0") != 0);
}

std::optional<std::size_t> content_length(MHD_Connection* connection) {
    const char* length = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (length == nullptr)
        return std::nullopt;
    char* end = nullptr;
    const unsigned long long value = std::strtoull(length, &end, 10);
    if (end == length || *end != '\0')
        return std::nullopt;
    return static_cast<std::size_t>(value);
}

constexpr const char* kTooLarge =
    "the body is larger than this collector accepts (--max-body): send one measurement, not an archive";

// The first call for a request: its headers are in. Nothing is queued unless it is refused.
MHD_Result begin(State& state, MHD_Connection* connection, const char* url, const char* method, Exchange& exchange) {
    {
        std::lock_guard lock(state.mutex);
        if (auto found = state.connections.find(connection); found != state.connections.end())
            found->second.headers_in = true;
    }
    HttpRequest& request = exchange.request;
    request.method = method;
    request.path = url;
    request.client = client_of(state, connection);
    request.peer = peer_of(connection);
    MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND, collect_param, &request);
    request.header = [connection](const std::string& name) {
        const char* value = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, name.c_str());
        return std::string(value ? value : "");
    };
    HttpResponse refusal;
    if (!state.handlers.admit(request, refusal))
        return queue(state, connection, exchange, refusal);
    // A body for a request that takes none is read and dropped; the handler answers as usual.
    if (!has_body(connection) || !state.handlers.takes_body(request))
        return MHD_YES;
    const auto length = content_length(connection);
    if (length && *length > state.options.max_body)
        return queue(state, connection, exchange, error_response(413, kTooLarge));
    // Chunked bodies reserve the most they may grow to.
    const std::size_t need = length ? *length : state.options.max_body;
    if (!state.reserve(need)) {
        HttpResponse busy =
            error_response(503, "the collector is receiving too many measurements at once: retry in a few seconds");
        busy.headers.emplace_back("Retry-After", "2");
        return queue(state, connection, exchange, busy);
    }
    exchange.reserved = need;
    exchange.body_wanted = true;
    exchange.request.body.reserve(std::min<std::size_t>(need, std::size_t{1} << 20));
    return MHD_YES;
}

MHD_Result finish(State& state, MHD_Connection* connection, Exchange& exchange) {
    if (exchange.too_large)
        return queue(state, connection, exchange, error_response(413, kTooLarge));
    HttpResponse response;
    try {
        state.handlers.handle(exchange.request, response);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "collector: %s %s failed: %s\n", exchange.request.method.c_str(),
                     exchange.request.path.c_str(), e.what());
        response = error_response(500, "the collector failed to handle this request; its log says why");
    }
    // The body is no longer needed: give its memory back before the answer goes out.
    std::string().swap(exchange.request.body);
    return queue(state, connection, exchange, response);
}

MHD_Result on_request(void* cls, MHD_Connection* connection, const char* url, const char* method, const char*,
                      const char* upload_data, std::size_t* upload_data_size, void** request_context) {
    auto& state = *static_cast<State*>(cls);
    auto* exchange = static_cast<Exchange*>(*request_context);
    try {
        if (exchange == nullptr) {
            exchange = new Exchange;
            *request_context = exchange;
            return begin(state, connection, url, method, *exchange);
        }
        if (*upload_data_size > 0) {
            auto& body = exchange->request.body;
            if (exchange->body_wanted && !exchange->too_large) {
                if (body.size() + *upload_data_size > state.options.max_body) {
                    exchange->too_large = true;
                    std::string().swap(body);
                } else {
                    body.append(upload_data, *upload_data_size);
                }
            }
            *upload_data_size = 0;
            return MHD_YES;
        }
        return finish(state, connection, *exchange);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "collector: %s %s failed: %s\n", method, url, e.what());
        return MHD_NO;  // closes the connection
    }
}

void on_completed(void* cls, MHD_Connection* connection, void** request_context, MHD_RequestTerminationCode) {
    auto& state = *static_cast<State*>(cls);
    auto* exchange = static_cast<Exchange*>(*request_context);
    *request_context = nullptr;
    {
        std::lock_guard lock(state.mutex);
        if (auto found = state.connections.find(connection); found != state.connections.end()) {
            found->second.since = Clock::now();
            found->second.headers_in = false;
            found->second.streaming = false;
        }
    }
    if (exchange == nullptr)
        return;
    state.body_memory_used -= exchange->reserved;
    // Access log: no headers, so no token ever reaches it.
    if (exchange->status != 0)
        std::fprintf(stderr, "%s %s %s %d %zu\n", exchange->request.client.c_str(), exchange->request.method.c_str(),
                     exchange->request.path.c_str(), exchange->status, exchange->sent);
    delete exchange;
}

void on_connection(void* cls, MHD_Connection* connection, void**, MHD_ConnectionNotificationCode code) {
    auto& state = *static_cast<State*>(cls);
    if (state.handlers.connections_changed)
        state.handlers.connections_changed(code == MHD_CONNECTION_NOTIFY_STARTED ? 1 : -1);
    std::lock_guard lock(state.mutex);
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const auto* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
        state.connections[connection] = TrackedConnection{info ? info->connect_fd : -1, Clock::now()};
    } else {
        state.connections.erase(connection);
    }
}

// The address to bind: an IP literal or a name (its first address).
sockaddr_storage bind_address(const HttpServerOptions& options, socklen_t& length) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    const std::string port = std::to_string(options.port);
    if (getaddrinfo(options.host.c_str(), port.c_str(), &hints, &found) != 0 || found == nullptr)
        throw CollectorError(
            fmt::format("cannot listen on {}: it is not an address of this host; give another --listen", options.host));
    sockaddr_storage address{};
    std::memcpy(&address, found->ai_addr, found->ai_addrlen);
    length = found->ai_addrlen;
    freeaddrinfo(found);
    return address;
}

}  // namespace

HttpServer::HttpServer(const HttpServerOptions& options, HttpHandlers handlers) : state_(std::make_unique<State>()) {
    state_->options = options;
    state_->handlers = std::move(handlers);
    socklen_t length = 0;
    const sockaddr_storage address = bind_address(options, length);
    const bool v6 = address.ss_family == AF_INET6;
    const bool any_v6 = v6 && IN6_IS_ADDR_UNSPECIFIED(&reinterpret_cast<const sockaddr_in6*>(&address)->sin6_addr);
    const bool tls = !options.tls_cert_pem.empty();
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME;
    if (v6)
        flags |= any_v6 ? MHD_USE_DUAL_STACK : MHD_USE_IPv6;
    if (tls)
        flags |= MHD_USE_TLS;

    std::vector<MHD_OptionItem> items = {
        {MHD_OPTION_SOCK_ADDR, 0, const_cast<sockaddr_storage*>(&address)},
        {MHD_OPTION_CONNECTION_LIMIT, options.connections, nullptr},
        {MHD_OPTION_PER_IP_CONNECTION_LIMIT, options.connections_per_address, nullptr},
        // An idle timeout as well, in case the deadline watch is late.
        {MHD_OPTION_CONNECTION_TIMEOUT, static_cast<intptr_t>(options.request_deadline.count()), nullptr},
        // Headers (and libmicrohttpd's own buffers) must fit in 32 KiB per connection; up to
        // that size libmicrohttpd takes the memory from malloc, above it maps and unmaps it for
        // each connection, which cost a TLB shootdown per request (-30% submissions/s here).
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, intptr_t{32} * 1024, nullptr},
        {MHD_OPTION_NOTIFY_COMPLETED, reinterpret_cast<intptr_t>(&on_completed), state_.get()},
        {MHD_OPTION_NOTIFY_CONNECTION, reinterpret_cast<intptr_t>(&on_connection), state_.get()},
    };
    if (options.threads > 1)
        items.push_back({MHD_OPTION_THREAD_POOL_SIZE, options.threads, nullptr});
    if (tls) {
        items.push_back({MHD_OPTION_HTTPS_MEM_CERT, 0, const_cast<char*>(options.tls_cert_pem.c_str())});
        items.push_back({MHD_OPTION_HTTPS_MEM_KEY, 0, const_cast<char*>(options.tls_key_pem.c_str())});
    }
    items.push_back({MHD_OPTION_END, 0, nullptr});

    state_->daemon = MHD_start_daemon(flags, static_cast<std::uint16_t>(options.port), nullptr, nullptr, &on_request,
                                      state_.get(), MHD_OPTION_ARRAY, items.data(), MHD_OPTION_END);
    if (state_->daemon == nullptr)
        throw CollectorError(
            fmt::format("cannot listen on {}:{}: the port is in use or the address is not this "
                        "host's; give another --listen",
                        options.host, options.port));
    state_->watch = std::thread([state = state_.get()] { state->watch_deadlines(); });
}

HttpServer::~HttpServer() {
    {
        std::lock_guard lock(state_->mutex);
        state_->stopping = true;
    }
    state_->wake.notify_all();
    state_->watch.join();
    // Streams end first: a parked connection is woken to finish its body, so that none is
    // left suspended when the daemon stops.
    std::vector<std::shared_ptr<StreamLink>> streams;
    {
        std::lock_guard lock(state_->mutex);
        for (auto& weak : state_->streams)
            if (auto link = weak.lock())
                streams.push_back(std::move(link));
    }
    for (auto& link : streams) {
        std::lock_guard lock(link->mutex);
        link->closing = true;
        if (link->suspended && !link->gone) {
            link->suspended = false;
            MHD_resume_connection(link->connection);
        }
    }
    MHD_stop_daemon(state_->daemon);
}

int HttpServer::port() const {
    const auto* info = MHD_get_daemon_info(state_->daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info ? info->port : state_->options.port;
}

}  // namespace rtt::collector
