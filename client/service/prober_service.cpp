// SPDX-License-Identifier: MIT
#include "service/prober_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "cli/trace_settings.h"
#include "client_error.h"
#include "direction_wiring.h"
#include "measurement/json_measurement.h"
#include "measurement/trace_record.h"
#include "service/prober_events.h"

namespace rtt::client {
namespace {

// How often commands are read while traces run (the loop also wakes when they arrive).
constexpr std::int64_t kCommandTickNs = 20'000'000;
// Probe ids handed to each trace's first probe, apart enough that traces to one address do not
// take each other's answers (a trace sends far fewer probes than this before moving on).
constexpr std::uint16_t kProbeIdStride = 4096;

}  // namespace

struct ProberService::Party {
    std::unique_ptr<Connection> owned;  // a socket connection; null for stdin/stdout
    Connection* connection = nullptr;
    bool standard = false;
    bool watching = true;  // its input wakes the loop
};

struct ProberService::Trace {
    struct Direction {
        DirectionWiring wiring;
        TraceRecord record;
        std::unique_ptr<DirectionEvents> events;
        std::unique_ptr<ObserverFanOut> observers;
    };
    Party* party = nullptr;  // null once its party has gone: its events go nowhere
    ProberCommand command;
    IpAddress target;
    IpAddress source;
    std::vector<std::unique_ptr<Direction>> directions;
    int unfinished = 0;
    bool running = false;
    std::int64_t deadline_ns = 0;  // the loop's clock
    std::chrono::system_clock::time_point started;
};

ProberService::ProberService(ServiceNetwork& network, ProberServiceSettings settings)
    : network_(network), settings_(settings), scheduler_(network.waiter(), settings.probes_per_s) {}

ProberService::~ProberService() = default;

void ProberService::write(Party& party, const nlohmann::json& line) {
    // Every event says when, by the loop's clock (simulated time on the simulated network).
    nlohmann::json stamped = line;
    stamped["t"] = static_cast<double>(network_.waiter().now_ns()) / 1e9;
    party.connection->write_line(stamped.dump());
}

void ProberService::add_party(std::unique_ptr<Connection> owned, Connection* standard) {
    auto party = std::make_unique<Party>();
    party->standard = standard != nullptr;
    party->connection = standard ? standard : owned.get();
    party->owned = std::move(owned);
    const int fd = party->connection->input_fd();
    network_.waiter().watch(std::span(&fd, 1));
    auto line = event("ready", "");
    line["network"] = network_.kind();
    line["probes_per_s"] = settings_.probes_per_s;
    line["max_running"] = settings_.max_running;
    write(*party, line);
    parties_.push_back(std::move(party));
}

int ProberService::serve(Connection* standard, UnixListener* listener) {
    listener_ = listener;
    if (standard)
        add_party(nullptr, standard);
    if (listener) {
        const int fd = listener->fd();
        network_.waiter().watch(std::span(&fd, 1));
    }
    int signal = 0;
    for (;;) {
        read_commands();
        start_waiting();
        finished_.clear();
        if (done_serving())
            break;
        if (scheduler_.running() > 0) {
            const RunEnd end = scheduler_.run(
                0,
                [&] {
                    finished_.clear();  // retired: the scheduler holds none of them
                    read_commands();
                    start_waiting();
                    const std::int64_t now = network_.waiter().now_ns();
                    std::vector<Trace*> late;
                    for (auto& trace : traces_)
                        if (trace->running && trace->deadline_ns && now >= trace->deadline_ns)
                            late.push_back(trace.get());
                    for (Trace* trace : late)
                        cancel(*trace, "--deadline");
                },
                kCommandTickNs);
            if (end.interrupted && end.signal) {
                signal = end.signal;
                break;
            }
        } else {
            network_.wait_idle();
            signal = network_.waiter().stop_requested();
            if (signal)
                break;
        }
    }
    // A stop signal: the traces still waiting are refused (the running ones were interrupted by
    // the loop and have sent their partial measurements).
    for (Trace* trace : waiting_)
        if (trace->party) {
            auto line = event("error", trace->command.id);
            line["message"] = "the prober was stopped before this trace started";
            write(*trace->party, line);
        }
    for (auto& party : parties_) {
        write(*party, event("bye", ""));
        party->connection->flush();
    }
    return signal ? 128 + signal : 0;
}

bool ProberService::done_serving() const {
    if (!traces_.empty())
        return false;
    if (shutting_down_)
        return true;
    // On stdin: its end, once every trace asked for is done (`prober < commands` runs them all).
    for (const auto& party : parties_)
        if (party->standard)
            return party->connection->input_ended() || party->connection->closed();
    return false;
}

void ProberService::read_commands() {
    if (listener_)
        for (auto& accepted : listener_->accept_all())
            add_party(std::move(accepted), nullptr);
    for (auto party = parties_.begin(); party != parties_.end();) {
        Connection& connection = *(*party)->connection;
        if (!connection.input_ended() && !connection.closed())
            for (const auto& line : connection.read_lines())
                handle(**party, line);
        connection.flush();
        if ((*party)->standard && connection.input_ended() && (*party)->watching) {
            // An ended input stays readable: waking for it would spin.
            network_.waiter().unwatch(connection.input_fd());
            (*party)->watching = false;
        }
        // A socket party that hung up or stopped reading: its traces are cancelled, unheard.
        const bool gone = (*party)->owned && (connection.input_ended() || connection.closed());
        const bool standard_gone = (*party)->standard && connection.closed();
        if (gone || standard_gone) {
            std::vector<Trace*> theirs;
            for (auto& trace : traces_)
                if (trace->party == party->get())
                    theirs.push_back(trace.get());
            for (Trace* trace : theirs) {
                trace->party = nullptr;
                cancel(*trace, "its user has gone");
            }
            if (standard_gone)
                shutting_down_ = true;
            if (gone) {
                party = parties_.erase(party);
                continue;
            }
        }
        ++party;
    }
}

void ProberService::handle(Party& party, const std::string& line) {
    if (line.find_first_not_of(" \t\r") == std::string::npos)
        return;  // blank lines are allowed between commands
    ProberCommand command;
    try {
        command = parse_prober_command(line);
    } catch (const ProberCommandError& refused) {
        // Named by the command's id when it has one, so that whoever waits for that trace hears
        // why it never started; a trace of that id already running goes on.
        std::string id;
        const auto line_json = nlohmann::json::parse(line, nullptr, false);
        if (line_json.is_object() && line_json.contains("id") && line_json["id"].is_string() &&
            line_json["id"].get_ref<const std::string&>().size() <= 64)
            id = line_json["id"].get<std::string>();
        auto answer = event("error", id);
        answer["message"] = refused.what();
        for (const auto& trace : traces_)
            if (!id.empty() && trace->party == &party && trace->command.id == id)
                answer["refused"] = true;
        write(party, answer);
        return;
    }
    const auto find = [&]() -> Trace* {
        for (auto& trace : traces_)
            if (trace->party == &party && trace->command.id == command.id)
                return trace.get();
        return nullptr;
    };
    const auto refuse = [&](const std::string& message) {
        auto answer = event("error", command.id);
        answer["message"] = message;
        answer["refused"] = true;  // the trace of this id, if any, goes on
        write(party, answer);
    };
    switch (command.kind) {
    case ProberCommand::Kind::shutdown: {
        shutting_down_ = true;
        std::vector<Trace*> all;
        for (auto& trace : traces_)
            all.push_back(trace.get());
        for (Trace* trace : all)
            cancel(*trace, "shutdown");
        return;
    }
    case ProberCommand::Kind::cancel:
        if (Trace* trace = find())
            cancel(*trace, "cancelled");
        else
            refuse(fmt::format("no trace \"{}\" is running or waiting", command.id));
        return;
    case ProberCommand::Kind::trace:
    case ProberCommand::Kind::probe:
        if (shutting_down_)
            return refuse("the prober is shutting down");
        if (find())
            return refuse(fmt::format("a trace \"{}\" is running already: give each trace its own id", command.id));
        if (waiting_.size() >= settings_.max_waiting)
            return refuse(
                fmt::format("{} traces are waiting already: send more when some have finished", waiting_.size()));
        auto trace = std::make_unique<Trace>();
        trace->party = &party;
        trace->command = std::move(command);
        waiting_.push_back(trace.get());
        traces_.push_back(std::move(trace));
        return;
    }
}

void ProberService::start_waiting() {
    while (!waiting_.empty() && running_ < settings_.max_running) {
        Trace& trace = *waiting_.front();
        waiting_.pop_front();
        start(trace);
    }
}

void ProberService::start(Trace& trace) {
    const ClientOptions& options = trace.command.options;
    const auto emit = [this, &trace](const nlohmann::json& line) {
        if (trace.party)
            write(*trace.party, line);
    };
    try {
        network_.before_start();
        trace.target = network_.resolve(options);
        trace.source = network_.source_for(trace.target, options);
        if (trace.source == trace.target && options.direction != Direction::forward)
            throw ClientError(
                fmt::format("{} is this host's own address, and a reverse traceroute server never "
                            "answers its own host: trace from another machine",
                            trace.target.to_string()));
        TraceSettings settings = trace_settings(options, network_.first_flow());
        settings.prober.first_id = next_first_id_;
        next_first_id_ = static_cast<std::uint16_t>(next_first_id_ + kProbeIdStride);
        if (next_first_id_ == 0)
            next_first_id_ = 1;
        const std::uint16_t identifier = next_identifier_++;
        if (next_identifier_ == 0)
            next_identifier_ = 1;
        for (const TraceDirection which : {TraceDirection::forward, TraceDirection::reverse}) {
            if (!(which == TraceDirection::forward ? settings.forward : settings.reverse))
                continue;
            auto direction = std::make_unique<Trace::Direction>();
            direction->wiring = wire_direction(
                which, settings, trace.source, trace.target, identifier,
                [&](const ProbeCodec& codec) { return network_.wire_for(codec, options); }, network_.clock());
            direction->events = std::make_unique<DirectionEvents>(trace.command.id, which, emit);
            direction->observers = std::make_unique<ObserverFanOut>(
                std::vector<TraceObserver*>{&direction->record, direction->events.get()});
            direction->wiring.new_engine(settings, *direction->observers, true);
            trace.directions.push_back(std::move(direction));
        }
    } catch (const std::exception& failed) {
        // The trace ends here: an error with its id is its last event.
        auto line = event("error", trace.command.id);
        line["message"] = failed.what();
        emit(line);
        trace.directions.clear();
        finish(trace);
        return;
    }
    auto line = event("started", trace.command.id);
    line["target"] = options.target;
    line["address"] = trace.target.to_string();
    line["source"] = trace.source.to_string();
    emit(line);
    trace.running = true;
    ++running_;
    trace.started = std::chrono::system_clock::now();
    if (options.deadline_s > 0)
        trace.deadline_ns = network_.waiter().now_ns() + static_cast<std::int64_t>(options.deadline_s * 1e9);
    trace.unfinished = static_cast<int>(trace.directions.size());
    for (auto& direction : trace.directions)
        scheduler_.add(direction->wiring.task(), [this, &trace] { direction_done(trace); });
}

void ProberService::direction_done(Trace& trace) {
    if (--trace.unfinished > 0)
        return;
    const ClientOptions& options = trace.command.options;
    std::vector<RecordedDirection> recorded;
    for (auto& direction : trace.directions)
        recorded.push_back({direction->wiring.direction, direction->wiring.root,
                            direction->wiring.prober->codec().end_of_path(), &direction->record, nullptr});
    const MeasurementContext context{trace.source, trace.target, trace.started, std::chrono::system_clock::now()};
    auto line = event("done", trace.command.id);
    line["measurement"] = measurement_json(measurement_parameters(options), context, recorded, {});
    if (trace.command.kind == ProberCommand::Kind::probe) {
        // The one hop probed, as a "hop" event gives it (null: nothing was sent).
        line["hop"] = nullptr;
        for (auto& direction : trace.directions)
            for (const auto& hop : direction->record.hops)
                if (hop.ttl == trace.command.ttl)
                    line["hop"] = hop_json(hop);
    }
    if (trace.party)
        write(*trace.party, line);
    trace.running = false;
    --running_;
    finish(trace);
}

void ProberService::finish(Trace& trace) {
    for (auto it = traces_.begin(); it != traces_.end(); ++it)
        if (it->get() == &trace) {
            finished_.push_back(std::move(*it));
            traces_.erase(it);
            break;
        }
    start_waiting();
}

void ProberService::cancel(Trace& trace, const std::string& why) {
    if (!trace.running) {
        // Waiting: it ends before it began.
        waiting_.erase(std::remove(waiting_.begin(), waiting_.end(), &trace), waiting_.end());
        if (trace.party) {
            auto line = event("error", trace.command.id);
            line["message"] = fmt::format("{} before it started", why);
            write(*trace.party, line);
        }
        finish(trace);
        return;
    }
    // Each direction ends as interrupted and keeps what it found; the last one sends the
    // partial measurement.
    std::vector<ProbingTask*> tasks;
    for (auto& direction : trace.directions)
        tasks.push_back(&direction->wiring.task());
    for (ProbingTask* task : tasks)
        scheduler_.interrupt(*task, why);
}

}  // namespace rtt::client
