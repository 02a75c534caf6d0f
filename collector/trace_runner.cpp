// SPDX-License-Identifier: MIT
#include "trace_runner.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <iomanip>
#include <sstream>

#include <fmt/format.h>

#include "collector_error.h"
#include "measurement/json_measurement.h"
#include "submission.h"

namespace rtt::collector {

using nlohmann::json;

// How long an ended trace's events stay for streams that come late.
constexpr auto kKeepEnded = std::chrono::minutes(10);
// Events kept per trace; past it only its end is (a multipath trace sends far fewer).
constexpr std::size_t kMaxFrames = 20000;
// How often an unreachable prober is tried again.
constexpr auto kReconnectEvery = std::chrono::seconds(2);

struct TraceRunner::Live {
    std::int64_t id = 0;
    TraceRequest request;
    std::string token_name;
    std::string state = "queued";
    std::vector<std::string> frames;  // Server-Sent Event text, in order
    bool ended = false;
    std::chrono::steady_clock::time_point ended_at;
    std::vector<std::function<void()>> wakers;  // streams waiting for more
};

namespace {

std::string prober_id(std::int64_t id) {
    return fmt::format("lg-{}", id);
}

json request_json(const TraceRequest& request) {
    return {{"target", request.target},     {"address", request.address}, {"direction", request.direction},
            {"protocol", request.protocol}, {"engine", request.engine},   {"options", request.options}};
}

TraceRequest request_from_json(const json& stored) {
    TraceRequest request;
    request.target = stored.value("target", "");
    request.address = stored.value("address", "");
    request.direction = stored.value("direction", "two-way");
    request.protocol = stored.value("protocol", "udp");
    request.engine = stored.value("engine", "singlepath");
    request.options = stored.value("options", json::object());
    return request;
}

std::chrono::system_clock::time_point from_rfc3339(const std::string& text) {
    std::tm parts{};
    std::istringstream in(text);
    in >> std::get_time(&parts, "%Y-%m-%dT%H:%M:%S");
    return std::chrono::system_clock::from_time_t(timegm(&parts));
}

// The events of one trace as a Server-Sent Event body.
class LiveStream final : public ResponseStream {
public:
    LiveStream(std::shared_ptr<std::mutex> mutex, std::shared_ptr<TraceRunner::Live> trace)
        : mutex_(std::move(mutex)), trace_(std::move(trace)) {}

    std::optional<std::string> next() override {
        std::lock_guard lock(*mutex_);
        if (sent_ < trace_->frames.size()) {
            std::string text;
            for (; sent_ < trace_->frames.size(); ++sent_)
                text += trace_->frames[sent_];
            return text;
        }
        if (trace_->ended)
            return std::nullopt;
        return std::string();
    }

    void set_waker(std::function<void()> wake) override {
        std::lock_guard lock(*mutex_);
        trace_->wakers.push_back(std::move(wake));
    }

private:
    std::shared_ptr<std::mutex> mutex_;
    std::shared_ptr<TraceRunner::Live> trace_;
    std::size_t sent_ = 0;
};

}  // namespace

TraceRunner::TraceRunner(MeasurementStore& store, TraceRunnerSettings settings)
    : store_(store), settings_(std::move(settings)) {
    link_ = reach_prober();
    std::lock_guard lock(*mutex_);
    for (const auto& row : store_.unfinished_trace_requests()) {
        if (row.state == "running") {
            // Its prober's answers went with the previous run: it cannot be finished.
            store_.set_trace_state(row.id, "failed", 0, "the collector stopped while this trace ran: ask again");
            continue;
        }
        auto trace = std::make_shared<Live>();
        trace->id = row.id;
        trace->request = request_from_json(json::parse(row.request, nullptr, false));
        trace->token_name = row.token_name;
        live_[row.id] = trace;
        queue_.push_back(row.id);
        post(*trace, "queued", {{"id", row.id}, {"position", queue_.size()}});
    }
    dispatch();
    reader_ = std::thread([this] { read_events(); });
}

TraceRunner::~TraceRunner() {
    {
        std::lock_guard lock(*mutex_);
        stopping_ = true;
        if (link_)
            link_->close();  // read_line returns
    }
    stop_.notify_all();
    reader_.join();
    // Streams still open end now; the traces running stay "running" in the database, and the
    // next start reports them failed.
    std::vector<std::function<void()>> wake;
    {
        std::lock_guard lock(*mutex_);
        for (auto& [id, trace] : live_) {
            trace->ended = true;
            wake.insert(wake.end(), trace->wakers.begin(), trace->wakers.end());
        }
    }
    for (auto& w : wake)
        w();
}

std::unique_ptr<ProberLink> TraceRunner::reach_prober() const {
    return settings_.prober_socket.empty() ? ProberLink::start(settings_.prober_argv)
                                           : ProberLink::connect(settings_.prober_socket);
}

void TraceRunner::post(Live& trace, const std::string& name, const json& data) {
    if (trace.frames.size() >= kMaxFrames && name != "done" && name != "failed")
        return;
    trace.frames.push_back(
        fmt::format("event: {}\ndata: {}\n\n", name, data.dump(-1, ' ', false, json::error_handler_t::replace)));
    to_wake_.insert(to_wake_.end(), trace.wakers.begin(), trace.wakers.end());
}

void TraceRunner::wake_streams() {
    std::vector<std::function<void()>> wake;
    {
        std::lock_guard lock(*mutex_);
        wake.swap(to_wake_);
    }
    for (auto& w : wake)
        w();
}

std::int64_t TraceRunner::submit(const TraceRequest& request, const std::string& token_name, const std::string& client,
                                 bool count_token_quota) {
    std::int64_t id = 0;
    {
        std::lock_guard lock(*mutex_);
        const auto now = std::chrono::system_clock::now();
        const auto check = [&](const char* column, const std::string& value, const std::string& who) {
            const auto times = store_.trace_request_times(column, value, rfc3339(now - std::chrono::hours(1)));
            if (static_cast<int>(times.size()) < settings_.quota_per_hour)
                return;
            const auto free_at = from_rfc3339(times.front()) + std::chrono::hours(1);
            const auto wait =
                std::max<long long>(1, std::chrono::duration_cast<std::chrono::seconds>(free_at - now).count() + 1);
            throw TraceRefused(429,
                               fmt::format("{} started {} traces in the last hour, as many as this looking glass "
                                           "allows: try again in {} minutes",
                                           who, times.size(), (wait + 59) / 60),
                               static_cast<int>(wait));
        };
        if (settings_.quota_per_hour > 0) {
            if (count_token_quota)
                check("token_name", token_name, fmt::format("token {}", token_name));
            check("client", client, fmt::format("your address {}", client));
        }
        if (queue_.size() >= settings_.max_queued)
            throw TraceRefused(503,
                               fmt::format("{} traces are waiting already, as many as this looking glass queues: "
                                           "try again in a minute",
                                           queue_.size()),
                               30);
        id = store_.add_trace_request(request_json(request).dump(), token_name, client);
        auto trace = std::make_shared<Live>();
        trace->id = id;
        trace->request = request;
        trace->token_name = token_name;
        live_[id] = trace;
        queue_.push_back(id);
        post(*trace, "queued", {{"id", id}, {"position", queue_.size()}});
        // Ended traces are kept a while for late streams, then only the database has them.
        const auto old = std::chrono::steady_clock::now() - kKeepEnded;
        for (auto it = live_.begin(); it != live_.end();)
            it = it->second->ended && it->second->ended_at < old ? live_.erase(it) : std::next(it);
        dispatch();
    }
    wake_streams();
    return id;
}

void TraceRunner::dispatch() {
    while (link_ && running_ < settings_.max_running && !queue_.empty()) {
        const std::int64_t id = queue_.front();
        Live& trace = *live_.at(id);
        json options = trace.request.options;
        options["deadline"] = settings_.deadline_s;
        const json command{{"v", 1},
                           {"command", "trace"},
                           {"id", prober_id(id)},
                           {"target", trace.request.address},
                           {"direction", trace.request.direction},
                           {"protocol", trace.request.protocol},
                           {"engine", trace.request.engine},
                           {"options", options}};
        if (!link_->send(command.dump()))
            return;  // the reader sees the prober gone, and tries again
        queue_.pop_front();
        trace.state = "running";
        ++running_;
        store_.set_trace_state(id, "running");
        post(trace, "running", {{"id", id}});
    }
}

void TraceRunner::read_events() {
    for (;;) {
        ProberLink* link = nullptr;
        {
            std::lock_guard lock(*mutex_);
            if (stopping_)
                return;
            link = link_.get();
        }
        if (link != nullptr) {
            if (auto line = link->read_line()) {
                const json event = json::parse(*line, nullptr, false);
                if (event.is_object())
                    handle_event(event);
                continue;
            }
            // The prober has gone: what it ran is lost; what waits runs when it is back.
            std::vector<Live*> lost;
            {
                std::lock_guard lock(*mutex_);
                if (stopping_)
                    return;
                for (auto& [id, trace] : live_)
                    if (trace->state == "running")
                        lost.push_back(trace.get());
            }
            for (Live* trace : lost)
                fail(*trace, "the prober stopped while this trace ran: ask again");
            std::lock_guard lock(*mutex_);
            link_.reset();
            std::fprintf(stderr, "collector: the prober has gone; trying to reach it again every %lld s\n",
                         static_cast<long long>(kReconnectEvery.count()));
        }
        {
            std::unique_lock lock(*mutex_);
            stop_.wait_for(lock, kReconnectEvery, [this] { return stopping_; });
            if (stopping_)
                return;
        }
        try {
            auto fresh = reach_prober();
            std::lock_guard lock(*mutex_);
            link_ = std::move(fresh);
            dispatch();
        } catch (const CollectorError&) {
            // Not back yet.
        }
        wake_streams();
    }
}

void TraceRunner::handle_event(const json& event) {
    const std::string name = event.value("event", "");
    const std::string their_id = event.contains("id") && event["id"].is_string() ? event["id"].get<std::string>() : "";
    if (their_id.rfind("lg-", 0) != 0)
        return;  // ready, bye, or not ours
    std::int64_t id = 0;
    try {
        id = std::stoll(their_id.substr(3));
    } catch (const std::exception&) {
        return;
    }
    std::shared_ptr<Live> trace;
    {
        std::lock_guard lock(*mutex_);
        const auto found = live_.find(id);
        if (found == live_.end() || found->second->ended)
            return;
        trace = found->second;
        if (name != "done" && name != "error") {
            json data = event;
            data.erase("v");
            data["id"] = id;
            post(*trace, name, data);
        }
    }
    if (name == "done")
        finish(*trace, event);
    else if (name == "error" && !event.value("refused", false))
        fail(*trace, event.value("message", "the prober refused the trace"));
    wake_streams();
}

void TraceRunner::finish(Live& trace, const json& done) {
    json measurement = done.value("measurement", json::object());
    // As asked for (the name, not the address the prober was given), and by whom.
    measurement["target"] = trace.request.target;
    measurement["on_request"] = {{"by", trace.token_name}, {"trace", trace.id}};
    std::string document = measurement.dump();
    const Submission checked = check_measurement(document, settings_.places);
    if (const auto* refused = std::get_if<RefusedSubmission>(&checked)) {
        fail(trace, fmt::format("the prober's measurement does not pass the schema ({})", refused->reason));
        return;
    }
    const auto& accepted = std::get<AcceptedSubmission>(checked);
    const AddedMeasurement added = store_.add(accepted.columns, accepted.document);
    store_.set_trace_state(trace.id, "done", added.id);
    std::lock_guard lock(*mutex_);
    trace.state = "done";
    trace.ended = true;
    trace.ended_at = std::chrono::steady_clock::now();
    --running_;
    json data{{"id", trace.id},
              {"state", "done"},
              {"measurement", added.id},
              {"url", fmt::format("/api/v1/measurements/{}", added.id)}};
    if (done.contains("stopped"))
        data["stopped"] = done["stopped"];
    post(trace, "done", data);
    dispatch();
}

void TraceRunner::fail(Live& trace, const std::string& why) {
    store_.set_trace_state(trace.id, "failed", 0, why);
    std::lock_guard lock(*mutex_);
    if (trace.state == "running")
        --running_;
    else
        std::erase(queue_, trace.id);
    trace.state = "failed";
    trace.ended = true;
    trace.ended_at = std::chrono::steady_clock::now();
    post(trace, "failed", {{"id", trace.id}, {"state", "failed"}, {"error", why}});
    dispatch();
}

std::optional<json> TraceRunner::status(std::int64_t id) {
    const auto row = store_.trace_request(id);
    if (!row)
        return std::nullopt;
    json answer = request_json(request_from_json(json::parse(row->request, nullptr, false)));
    answer["id"] = id;
    answer["state"] = row->state;
    answer["created_at"] = row->created_at;
    answer["by"] = row->token_name;
    answer["events"] = fmt::format("/api/v1/traces/{}/events", id);
    if (!row->finished_at.empty())
        answer["finished_at"] = row->finished_at;
    if (!row->error.empty())
        answer["error"] = row->error;
    if (row->state == "queued") {
        std::lock_guard lock(*mutex_);
        const auto at = std::find(queue_.begin(), queue_.end(), id);
        if (at != queue_.end())
            answer["position"] = at - queue_.begin() + 1;
    }
    if (row->measurement_id > 0) {
        answer["measurement_url"] = fmt::format("/api/v1/measurements/{}", row->measurement_id);
        if (const auto document = store_.document(row->measurement_id))
            answer["measurement"] = json::parse(*document, nullptr, false);
    }
    return answer;
}

std::pair<std::size_t, std::size_t> TraceRunner::load() const {
    std::lock_guard lock(*mutex_);
    return {queue_.size(), running_};
}

std::shared_ptr<ResponseStream> TraceRunner::events(std::int64_t id) {
    {
        std::lock_guard lock(*mutex_);
        if (const auto found = live_.find(id); found != live_.end())
            return std::make_shared<LiveStream>(mutex_, found->second);
    }
    // Ended long ago (or before a restart): its end is all there is to tell.
    const auto row = store_.trace_request(id);
    if (!row)
        return nullptr;
    auto trace = std::make_shared<Live>();
    trace->id = id;
    trace->ended = true;
    std::lock_guard lock(*mutex_);
    if (row->state == "done")
        post(*trace, "done",
             {{"id", id},
              {"state", "done"},
              {"measurement", row->measurement_id},
              {"url", fmt::format("/api/v1/measurements/{}", row->measurement_id)}});
    else if (row->state == "failed")
        post(*trace, "failed", {{"id", id}, {"state", "failed"}, {"error", row->error}});
    return std::make_shared<LiveStream>(mutex_, trace);
}

}  // namespace rtt::collector
