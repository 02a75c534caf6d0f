// SPDX-License-Identifier: MIT
// The looking glass: traces run on request (POST /api/v1/traces) by reverse-traceroute-prober
// (prober_link.h), never by the collector itself. Requests wait in a bounded queue, kept in the
// database so that a restart loses none (queued ones run after it; one that was running is
// reported failed); at most `max_running` run at once; each token and each client address may
// start `quota_per_hour` an hour. Each trace's events are kept while it runs (and a while after)
// for Server-Sent Event streams; the finished measurement is stored as any submitted one, with
// `on_request` naming the token that asked for it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "measurement/geoip_database.h"

#include "http_server.h"
#include "measurement_store.h"
#include "prober_link.h"

namespace rtt::collector {

struct TraceRunnerSettings {
    std::string prober_socket;             // a running prober's socket, or else
    std::vector<std::string> prober_argv;  // the prober to start (with its --pps)
    std::size_t max_running = 2;
    std::size_t max_queued = 20;
    int quota_per_hour = 20;                // traces started per token and per client address; 0: no quota
    double deadline_s = 60;                 // every trace's --deadline
    const GeoIpDatabase* places = nullptr;  // places the hops of finished traces (null: none)
};

// A request as checked by the API: what the prober is asked to run.
struct TraceRequest {
    std::string target;   // as asked for
    std::string address;  // what it resolved to, and passed the target policy: the one probed
    std::string direction = "two-way";
    std::string protocol = "udp";
    std::string engine = "singlepath";
    nlohmann::json options = nlohmann::json::object();  // client option names: max-ttl, confidence, port
};

class TraceRunner {
public:
    // Reaches the prober and takes up the requests a previous run left queued; throws
    // CollectorError (one sentence) if the prober cannot be reached or started.
    TraceRunner(MeasurementStore& store, TraceRunnerSettings settings);
    ~TraceRunner();
    TraceRunner(const TraceRunner&) = delete;
    TraceRunner& operator=(const TraceRunner&) = delete;

    // Queues the request of `token_name` from `client`; returns its id. Throws TraceRefused:
    // 429 over a quota, 503 when the queue is full.
    std::int64_t submit(const TraceRequest& request, const std::string& token_name, const std::string& client,
                        bool count_token_quota);
    // GET /api/v1/traces/ID: state, request, and the measurement when done; nullopt: unknown.
    std::optional<nlohmann::json> status(std::int64_t id);
    // Its events as Server-Sent Events (every event so far, then each as it comes, then the
    // end); nullptr: unknown.
    std::shared_ptr<ResponseStream> events(std::int64_t id);
    // For the metrics: requests waiting for a slot, and traces running.
    std::pair<std::size_t, std::size_t> load() const;

    struct Live;  // a trace queued, running or recently ended (shared with its streams)

private:
    void read_events();
    void handle_event(const nlohmann::json& event);
    void finish(Live& trace, const nlohmann::json& done);
    void fail(Live& trace, const std::string& why);
    void dispatch();                                                              // with mutex_ held
    void post(Live& trace, const std::string& name, const nlohmann::json& data);  // with mutex_ held
    void wake_streams();  // without mutex_ held: the streams that posts have woken
    std::unique_ptr<ProberLink> reach_prober() const;

    MeasurementStore& store_;
    TraceRunnerSettings settings_;
    std::shared_ptr<std::mutex> mutex_ = std::make_shared<std::mutex>();  // shared with the streams
    std::map<std::int64_t, std::shared_ptr<Live>> live_;
    std::deque<std::int64_t> queue_;
    std::size_t running_ = 0;
    std::unique_ptr<ProberLink> link_;  // null while the prober is unreachable
    bool stopping_ = false;
    std::condition_variable stop_;
    std::thread reader_;
    std::vector<std::function<void()>> to_wake_;  // collected under mutex_, called outside it
};

}  // namespace rtt::collector
