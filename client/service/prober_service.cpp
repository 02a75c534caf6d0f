// SPDX-License-Identifier: MIT
#include "service/prober_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <csignal>

#include "cli/trace_settings.h"
#include "client_error.h"
#include "direction_wiring.h"
#include "measurement/json_measurement.h"
#include "measurement/measurement_locations.h"
#include "measurement/trace_record.h"
#include "rounds.h"
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
        DirectionStatistics statistics;      // rounds only: over every round that ran to its end
        std::unique_ptr<RoundBuffer> round;  // rounds only
        std::unique_ptr<DirectionEvents> events;
        std::unique_ptr<ObserverFanOut> observers;

        bool failed() const { return record.summary && record.summary->end == TraceEnd::failed; }
    };
    Party* party = nullptr;  // null once its party has gone: its events go nowhere
    ProberCommand command;
    IpAddress target;
    IpAddress source;
    IpAddress server;          // the reverse half's server: the target unless the command named one
    IpAddress reverse_source;  // this host's address toward the server
    TraceSettings settings;
    std::vector<std::unique_ptr<Direction>> directions;
    int unfinished = 0;
    bool running = false;
    std::int64_t deadline_ns = 0;  // the loop's clock
    std::chrono::system_clock::time_point started;
    // Rounds (-c N): the same trace again over the same flow, as the client's report runs them.
    int rounds_done = 0;
    std::int64_t round_started_ns = 0;
    std::int64_t next_round_ns = -1;  // >= 0 between two rounds: when the next one starts
    std::string stopped;              // why it was cancelled, if it was

    bool in_rounds() const { return command.options.count > 0; }
    bool between_rounds() const { return next_round_ns >= 0; }
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
        const std::int64_t next_timer = keep_time();
        if (scheduler_.running() > 0) {
            const RunEnd end = scheduler_.run(
                0,
                [&] {
                    finished_.clear();  // retired: the scheduler holds none of them
                    read_commands();
                    start_waiting();
                    keep_time();
                },
                kCommandTickNs);
            if (end.interrupted && end.signal) {
                signal = end.signal;
                break;
            }
        } else {
            // Nothing probing: wait for commands, or for the next round or deadline if one is due.
            if (next_timer > 0)
                network_.waiter().wait_until(next_timer);
            else
                network_.wait_idle();
            signal = network_.waiter().stop_requested();
            if (signal)
                break;
        }
    }
    // Traces between two rounds when the signal came end with the rounds they completed.
    std::vector<Trace*> resting;
    for (auto& trace : traces_)
        if (trace->running && trace->between_rounds())
            resting.push_back(trace.get());
    for (Trace* trace : resting)
        cancel(*trace, signal == SIGINT ? "Ctrl-C" : "SIGTERM");
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
        trace.server = trace.target;
        trace.reverse_source = trace.source;
        if (!trace.command.server.empty()) {
            ClientOptions server_options = options;
            server_options.target = trace.command.server;
            trace.server = network_.resolve(server_options);
            if (trace.server.family() != trace.target.family())
                throw ClientError(
                    fmt::format("server {} is IPv{} but target {} is IPv{}: name a server of the "
                                "target's family",
                                trace.server.to_string(), trace.server.is_v4() ? 4 : 6, trace.target.to_string(),
                                trace.target.is_v4() ? 4 : 6));
            trace.reverse_source = network_.source_for(trace.server, server_options);
        }
        if (trace.reverse_source == trace.server && options.direction != Direction::forward)
            throw ClientError(
                fmt::format("{} is this host's own address, and a reverse traceroute server never "
                            "answers its own host: trace from another machine",
                            trace.server.to_string()));
        if (const auto problem = forward_probe_problem(options, trace.target.family(),
                                                       network_.route_mtu(trace.source, trace.target, options)))
            throw ClientError(*problem);
        trace.settings = trace_settings(options, network_.first_flow());
        TraceSettings& settings = trace.settings;
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
            const bool reverse = which == TraceDirection::reverse;
            direction->wiring = wire_direction(
                which, settings, reverse ? trace.reverse_source : trace.source, reverse ? trace.server : trace.target,
                identifier, [&](const ProbeCodec& codec) { return network_.wire_for(codec, options); },
                network_.clock());
            direction->events = std::make_unique<DirectionEvents>(trace.command.id, which, emit);
            TraceObserver* keeper = &direction->record;
            if (trace.in_rounds()) {
                // Hops count once their round has ended (rounds.h).
                direction->round = std::make_unique<RoundBuffer>(&direction->record, direction->statistics);
                keeper = direction->round.get();
            }
            direction->observers =
                std::make_unique<ObserverFanOut>(std::vector<TraceObserver*>{keeper, direction->events.get()});
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
    if (!trace.command.server.empty())
        line["server"] = trace.server.to_string();
    emit(line);
    trace.running = true;
    ++running_;
    trace.started = std::chrono::system_clock::now();
    if (options.deadline_s > 0)
        trace.deadline_ns = network_.waiter().now_ns() + static_cast<std::int64_t>(options.deadline_s * 1e9);
    start_round(trace);
}

void ProberService::start_round(Trace& trace) {
    trace.next_round_ns = -1;
    trace.round_started_ns = network_.waiter().now_ns();
    // A direction that failed (its server did not answer) sits out the later rounds, as in the
    // client's report; the reverse direction asks its server once, before its first round.
    std::vector<ProbingTask*> tasks;
    for (auto& direction : trace.directions) {
        if (direction->failed())
            continue;
        if (trace.in_rounds())
            direction->events->set_round(trace.rounds_done + 1);
        direction->wiring.new_engine(trace.settings, *direction->observers, !direction->record.summary);
        for (ProbingTask* task : direction->wiring.tasks())
            tasks.push_back(task);
    }
    trace.unfinished = static_cast<int>(tasks.size());
    if (tasks.empty()) {
        send_done(trace);
        return;
    }
    for (ProbingTask* task : tasks)
        scheduler_.add(*task, [this, &trace] { direction_done(trace); });
}

std::int64_t ProberService::keep_time() {
    const std::int64_t now = network_.waiter().now_ns();
    std::vector<Trace*> late;
    std::vector<Trace*> due;
    for (auto& trace : traces_) {
        if (!trace->running)
            continue;
        if (trace->deadline_ns && now >= trace->deadline_ns)
            late.push_back(trace.get());
        else if (trace->between_rounds() && now >= trace->next_round_ns)
            due.push_back(trace.get());
    }
    for (Trace* trace : late)
        cancel(*trace, "--deadline");
    for (Trace* trace : due)
        start_round(*trace);
    std::int64_t next = 0;
    const auto sooner = [&next](std::int64_t when) {
        if (when > 0 && (next == 0 || when < next))
            next = when;
    };
    for (auto& trace : traces_)
        if (trace->running) {
            sooner(trace->deadline_ns);
            if (trace->between_rounds())
                sooner(trace->next_round_ns);
        }
    return next;
}

void ProberService::direction_done(Trace& trace) {
    if (--trace.unfinished > 0)
        return;
    if (trace.in_rounds()) {
        // A round cut short (cancel, --deadline, a signal) does not count: its probes still in
        // flight would read as lost.
        bool cut_short = false;
        bool any_left = false;
        for (auto& direction : trace.directions) {
            cut_short |= direction->record.summary && direction->record.summary->end == TraceEnd::interrupted;
            any_left |= !direction->failed();
        }
        if (!cut_short) {
            ++trace.rounds_done;
            auto line = event("round", trace.command.id);
            line["round"] = trace.rounds_done;
            line["statistics"] = nlohmann::json::object();
            for (auto& direction : trace.directions)
                line["statistics"][std::string(trace_direction_name(direction->wiring.direction))] =
                    direction_statistics_json(direction->wiring.direction, direction->statistics.hops());
            if (trace.party)
                write(*trace.party, line);
            if (trace.rounds_done < trace.command.options.count && any_left && trace.stopped.empty()) {
                trace.next_round_ns =
                    trace.round_started_ns + static_cast<std::int64_t>(trace.command.options.interval_s * 1e9);
                return;
            }
        }
    }
    send_done(trace);
}

void ProberService::send_done(Trace& trace) {
    const ClientOptions& options = trace.command.options;
    std::vector<RecordedDirection> recorded;
    for (auto& direction : trace.directions)
        recorded.push_back({direction->wiring.direction, direction->wiring.root,
                            direction->wiring.prober->codec().end_of_path(), &direction->record,
                            trace.in_rounds() ? &direction->statistics : nullptr});
    MeasurementContext context{trace.source, trace.target, trace.started, std::chrono::system_clock::now()};
    context.server = trace.server;
    MeasurementParameters parameters = measurement_parameters(options);
    if (trace.in_rounds())
        parameters.rounds = std::max(1, trace.rounds_done);
    auto line = event("done", trace.command.id);
    line["measurement"] = measurement_json(parameters, context, recorded, {});
    if (settings_.places != nullptr)
        add_locations(line["measurement"], *settings_.places, "client");
    if (trace.in_rounds())
        line["rounds"] = trace.rounds_done;
    if (!trace.stopped.empty())
        line["stopped"] = trace.stopped;
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
    trace.stopped = why;
    if (trace.between_rounds()) {
        // Nothing in flight: it ends with the rounds it completed.
        send_done(trace);
        return;
    }
    // Each direction ends as interrupted and keeps what it found; the last one sends the
    // partial measurement.
    std::vector<ProbingTask*> tasks;
    for (auto& direction : trace.directions)
        for (ProbingTask* task : direction->wiring.tasks())
            tasks.push_back(task);
    for (ProbingTask* task : tasks)
        scheduler_.interrupt(*task, why);
}

}  // namespace rtt::client
