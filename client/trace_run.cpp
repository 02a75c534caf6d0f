// SPDX-License-Identifier: MIT
#include "trace_run.h"

#include <unistd.h>

#include <cstdio>
#include <memory>
#include <random>

#include "cli/trace_settings.h"
#include "client_error.h"
#include "direction_wiring.h"
#include "engine/multipath_engine.h"
#include "io/event_loop.h"
#include "io/raw_socket.h"
#include "io/raw_socket_wire.h"
#include "log.h"
#include "measurement/geoip_database.h"
#include "measurement/geojson_export.h"
#include "measurement/json_measurement.h"
#include "measurement/measurement_locations.h"
#include "net/endpoints.h"
#include "net/reverse_resolver.h"
#include "net/service_banner.h"
#include "output/live_view.h"
#include "output/measurement_files.h"
#include "output/output_paths.h"
#include "output/statistics_table.h"
#include "output/text_report.h"
#include "rounds.h"
#include "transmit/measurement_transmitter.h"

namespace rtt::client {
namespace {

// The longest the output may wait for DNS answers in the whole run (names and AS numbers).
constexpr auto kNameLookupBudget = std::chrono::milliseconds(2000);

// Everything one direction needs, kept alive for the whole run: its wiring (shared with the
// simulator) and what the client keeps of it.
struct DirectionRun : DirectionWiring {
    TraceRecord record;
    DirectionStatistics statistics;             // single path
    VertexStatistics vertices;                  // multipath rounds
    std::unique_ptr<DirectionRounds> rounds;    // rounds only
    std::unique_ptr<ObserverFanOut> observers;  // an ordinary trace

    explicit DirectionRun(DirectionWiring wiring) : DirectionWiring(std::move(wiring)) {}
    bool failed() const { return record.summary && record.summary->end == TraceEnd::failed; }
};

// Starts name lookups as answers arrive, so names are ready when their hop is printed.
class NameLookupStarter final : public TraceObserver {
public:
    explicit NameLookupStarter(ReverseResolver& resolver) : resolver_(resolver) {}
    void on_hop(const HopResult& hop) override {
        for (const auto& reply : hop.replies)
            if (reply.answer)
                resolver_.start(reply.answer->responder);
    }
    void on_graph(const MultipathGraph& graph) override {
        for (const auto& vertex : graph.vertices)
            if (vertex.address && vertex.id != 0)
                resolver_.start(*vertex.address);
    }
    void on_end(const TraceSummary&) override {}

private:
    ReverseResolver& resolver_;
};

// Multipath rounds: a direction that has not failed is still finding its graph.
bool still_discovering(const std::vector<std::unique_ptr<DirectionRun>>& runs) {
    return std::any_of(runs.begin(), runs.end(),
                       [](const auto& run) { return !run->vertices.discovered() && !run->failed(); });
}

std::vector<std::string> report_lines(const ClientOptions& options, const IpAddress& target, const IpAddress& source,
                                      const std::vector<std::unique_ptr<DirectionRun>>& runs, ReverseResolver& resolver,
                                      int rounds_done, bool names, bool wait, std::size_t columns,
                                      const GeoIpDatabase* places) {
    const std::string who = options.target == target.to_string()
                                ? target.to_string()
                                : fmt::format("{} ({})", options.target, target.to_string());
    const bool multipath = options.engine == EngineKind::multipath;
    // Multipath discovery under way: how far it got (a slow one, under rate limits, is not a hang).
    const bool discovering = multipath && still_discovering(runs);
    std::size_t found_so_far = 0;
    for (const auto& run : runs)
        if (const auto* engine = dynamic_cast<const MultipathEngine*>(run->engine.get());
            engine != nullptr && !run->vertices.discovered())
            found_so_far += engine->progress().vertices;
    std::vector<std::string> lines{
        multipath ? fmt::format("{} {} multipath report: {}, to {} from {}", direction_name(options.direction),
                                protocol_name(options.protocol),
                                discovering ? fmt::format("discovering the paths ({} vertices so far)", found_so_far)
                                            : fmt::format("{} round{} over every vertex found", rounds_done,
                                                          rounds_done == 1 ? "" : "s"),
                                who, source.to_string())
                  : fmt::format("{} {} report: {} round{} over flow {}, to {} from {}",
                                direction_name(options.direction), protocol_name(options.protocol), rounds_done,
                                rounds_done == 1 ? "" : "s", options.flow, who, source.to_string())};
    std::vector<StatisticsSide> sides;
    sides.reserve(runs.size());
    for (const auto& run : runs) {
        std::string title = run->direction == TraceDirection::reverse
                                ? fmt::format("reverse: back from {} (RTTs measured by the server)", options.target)
                                : fmt::format("forward: to {}", options.target);
        sides.push_back(multipath ? vertex_side(std::move(title), run->vertices.vertices())
                                  : StatisticsSide{std::move(title), run->statistics.hops()});
    }
    for (auto& line : statistics_table(
             sides, [&](const IpAddress& address) { return address_label(address, resolver, wait, names, places); },
             columns))
        lines.push_back(std::move(line));
    for (const auto& run : runs)
        if (run->failed())
            lines.push_back(
                fmt::format("{}: failed: {}", trace_direction_name(run->direction), run->record.summary->failure));
    return lines;
}

// -c N and --live: rounds (rounds.h) with the live view's keys and redraws.
RunEnd run_rounds_here(const ClientOptions& options, const TraceSettings& settings, const IpAddress& target,
                       const IpAddress& source, std::vector<std::unique_ptr<DirectionRun>>& runs,
                       ReverseResolver& resolver, const GeoIpDatabase* geoip, std::int64_t deadline, int& rounds_done) {
    std::optional<LiveView> view;
    if (options.live)
        view.emplace();
    RoundsControl control;
    bool names = !options.no_resolve;
    bool places = options.show_locations;
    std::vector<ProbingTask*> tasks;
    const auto redraw = [&] {
        if (view)
            view->draw(fmt::format("reverse-traceroute --live{}    keys: p pause  r reset  n names{}  q quit",
                                   control.paused ? " (paused)" : "", geoip != nullptr ? "  g places" : ""),
                       report_lines(options, target, source, runs, resolver, rounds_done, names, false, view->columns(),
                                    places ? geoip : nullptr));
    };
    const auto keys = [&] {
        if (!view)
            return;
        for (LiveKey key = view->poll(); key != LiveKey::none; key = view->poll()) {
            switch (key) {
            case LiveKey::pause: control.paused = !control.paused; break;
            case LiveKey::reset:
                for (auto& run : runs) {
                    run->statistics.reset();
                    run->vertices.reset();
                }
                rounds_done = 0;
                break;
            case LiveKey::names: names = !names; break;
            case LiveKey::places: places = !places; break;
            case LiveKey::quit:
                control.quit = true;
                for (ProbingTask* task : tasks)
                    if (!task->finished())
                        task->interrupt("q");
                break;
            case LiveKey::none: break;
            }
            redraw();
        }
    };
    redraw();
    const auto waiter = system_waiter();
    const RoundsSchedule schedule{options.count, static_cast<std::int64_t>(options.interval_s * 1e9), deadline,
                                  settings.multipath};
    return run_rounds(
        *waiter, schedule, control,
        [&] {
            tasks.clear();
            for (auto& run : runs)
                if (run->rounds->start_round(*run, settings))
                    for (ProbingTask* task : run->tasks())
                        tasks.push_back(task);
            return tasks;
        },
        [&] {
            ++rounds_done;
            redraw();
        },
        view ? std::function<void()>([&] {
            keys();
            // Discovery is one long round: show how far it got.
            if (settings.multipath && still_discovering(runs))
                redraw();
        })
             : std::function<void()>{});
}

// Two-way: when a router on the way out says the target is unreachable (!N, !H, ...), requests
// to the target's server take the same way and cannot arrive either. Its own "unreachable" may
// never come back (routers rate-limit those errors), so the reverse check stops waiting.
void give_up_undeliverable_requests(std::vector<std::unique_ptr<DirectionRun>>& runs, const IpAddress& target) {
    const DirectionRun* forward = nullptr;
    for (const auto& run : runs)
        if (run->direction == TraceDirection::forward)
            forward = run.get();
    if (forward == nullptr || !forward->record.summary || forward->record.summary->end != TraceEnd::unreachable ||
        !forward->record.summary->final_answer || forward->record.summary->final_answer->responder == target)
        return;
    const Answer& refusal = *forward->record.summary->final_answer;
    for (auto& run : runs)
        if (run->check)
            run->check->give_up(fmt::format("the request cannot reach {}: on the way out {} answered {}",
                                            target.to_string(), refusal.responder.to_string(),
                                            unreachable_reason(refusal.responder.family(), refusal.icmp_code)));
}

// The GeoIP database --geoip names (checked when the options were read), else the first in the
// usual places; one found there that cannot be read is warned about and left out.
std::unique_ptr<GeoIpDatabase> open_geoip(const ClientOptions& options) {
    try {
        return open_geoip_database(
            options.geoip, [](const std::string& why) { log(LogLevel::warning, "{}; tracing without places", why); });
    } catch (const MeasurementError& e) {
        throw ClientError(e.what());
    }
}

}  // namespace

int run_trace(const ClientOptions& options) {
    set_log_level(options.verbosity >= 2   ? LogLevel::debug
                  : options.verbosity == 1 ? LogLevel::info
                                           : parse_log_level(options.log_level));

    const bool rounds = options.count > 0 || options.live;
    if (options.live && (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO)))
        throw ClientError("--live needs a terminal on stdin and stdout: use -c N for a report instead");
    if (options.live && options.json)
        throw ClientError("--live and --json both want stdout: use --store-json with --live");
    // Settled before tracing, so a missing collector URL or an unwritable file does not cost a trace.
    const std::optional<TransmitSettings> transmit =
        options.transmit ? std::optional(transmit_settings(options)) : std::nullopt;
    const OutputPaths files = plan_output_paths(options);
    const IpAddress target = resolve_target(options.target, options.family);
    if (options.resolve_aliases && !target.is_v4())
        throw ClientError(
            fmt::format("--resolve-aliases works on IPv4 only (APAR needs IPv4 subnets), and {} is "
                        "IPv6: trace an IPv4 address or drop --resolve-aliases",
                        target.to_string()));
    const IpAddress source = choose_source(target, options.source, options.interface);
    // The server ignores requests from its own host (so it is safe on a router): testing it from
    // there would look like a host without a server.
    if (source == target && options.direction != Direction::forward)
        throw ClientError(fmt::format(
            "{} is this host's own address, and a reverse traceroute server never answers its own host: trace "
            "from another machine",
            target.to_string()));
    if (const auto problem =
            forward_probe_problem(options, target.family(), route_mtu(source, target, options.interface)))
        throw ClientError(*problem);
    if (transmit)
        check_collector_token(*transmit);
    log(LogLevel::info, "tracing {} ({}) from {}", options.target, target.to_string(), source.to_string());

    const std::unique_ptr<GeoIpDatabase> geoip = open_geoip(options);
    if (geoip)
        log(LogLevel::info, "places from {} ({})", geoip->path(), geoip->database_type());
    ReverseResolver resolver(!options.no_resolve, kNameLookupBudget, options.as_lookup);
    NameLookupStarter lookups(resolver);
    // --json: stdout carries the JSON alone, and the text is not written at all.
    TextReport text(stdout, resolver, options.show_locations ? geoip.get() : nullptr);

    TraceSettings settings =
        trace_settings(options, static_cast<std::uint16_t>(10000 + std::random_device{}() % 55535));
    if (settings.path_mtu) {
        // From the interface's MTU, not what the kernel learnt of the path (that is what we measure).
        PathMtuSettings& mtu = settings.path_mtu_settings;
        mtu.least_size =
            minimum_probe_size(options.protocol, target.family(), settings.shape, probes_carry_dns(options));
        mtu.first_size = static_cast<std::size_t>(
            interface_mtu(source, options.interface).value_or(target.family() == Family::v4 ? 1500 : 1280));
        mtu.first_size = std::max(mtu.first_size, mtu.least_size);
    }
    std::vector<std::unique_ptr<DirectionRun>> runs;
    const auto add_direction = [&](TraceDirection direction) {
        auto run = std::make_unique<DirectionRun>(wire_direction(
            direction, settings, source, target, static_cast<std::uint16_t>(getpid()),
            [&](const ProbeCodec& codec) { return std::make_unique<RawSocketWire>(codec, options.interface); }));
        const SectionHeading heading{
            direction,
            options.protocol,
            options.target,
            target,
            source,
            run->prober->codec().end_of_path(),
            options.first_ttl,
            options.max_ttl,
            options.abort_after,
            static_cast<std::uint16_t>(options.flow),
            options.probes_per_hop,
            options.engine == EngineKind::multipath,
            options.confidence,
            options.trace_bound,
            !options.no_merge,
            options.flow_paths,
            direction == TraceDirection::forward && settings.path_mtu ? settings.path_mtu_settings.first_size : 0,
            options.min_share};
        if (rounds) {
            run->rounds = std::make_unique<DirectionRounds>(run->record, run->statistics, run->vertices, &lookups);
        } else {
            std::vector<TraceObserver*> observers{&lookups, &run->record, &run->statistics};
            if (!options.json)
                observers.push_back(&text.add_section(heading));
            run->observers = std::make_unique<ObserverFanOut>(std::move(observers));
        }
        runs.push_back(std::move(run));
    };
    if (settings.forward)
        add_direction(TraceDirection::forward);
    if (settings.reverse)
        add_direction(TraceDirection::reverse);

    const auto started = std::chrono::system_clock::now();
    const auto deadline = monotonic_ns() + static_cast<std::int64_t>(options.deadline_s * 1e9);
    RunEnd end;
    int rounds_done = 0;
    if (!rounds) {
        std::vector<ProbingTask*> tasks;
        for (auto& run : runs) {
            run->new_engine(settings, *run->observers, true);  // a reverse direction asks the server first
            for (ProbingTask* task : run->tasks())
                tasks.push_back(task);
        }
        // Multipath prints its graph at the end: meanwhile show progress, on a terminal only.
        const bool show_progress = options.engine == EngineKind::multipath && isatty(STDERR_FILENO) && !options.json;
        const auto progress = [&] {
            std::string line;
            for (auto& run : runs) {
                const auto* engine = dynamic_cast<const MultipathEngine*>(run->engine.get());
                const auto now = engine->progress();
                line += fmt::format("{}{}: ttl {}, {} vertices, {} probes sent, {} answered", line.empty() ? "" : "; ",
                                    trace_direction_name(run->direction), now.deepest_ttl, now.vertices,
                                    run->probes_sent(), run->probes_answered());
            }
            std::fprintf(stderr, "\r\033[K%s", line.c_str());
            std::fflush(stderr);
        };
        if (show_progress)
            text.before_writing([] { std::fprintf(stderr, "\r\033[K"); });
        end = run_until_finished(tasks, deadline, [&] {
            if (show_progress)
                progress();
            give_up_undeliverable_requests(runs, target);
        });
        if (show_progress)
            std::fprintf(stderr, "\r\033[K");
    } else {
        end = run_rounds_here(options, settings, target, source, runs, resolver, geoip.get(), deadline, rounds_done);
    }

    std::vector<RecordedDirection> recorded;
    bool forward_failed = false, reverse_failed = false;
    for (auto& run : runs) {
        // A multipath report's rounds probe after discovery ended: the stored counts hold them too.
        if (rounds && settings.multipath && run->record.summary) {
            run->record.summary->probes_sent = run->probes_sent();
            run->record.summary->probes_answered = run->probes_answered();
        }
        recorded.push_back({run->direction, run->root, run->prober->codec().end_of_path(), &run->record,
                            &run->statistics, rounds && settings.multipath ? &run->vertices : nullptr});
        (run->direction == TraceDirection::forward ? forward_failed : reverse_failed) |= run->failed();
        // The text says why a direction failed or stopped early; with --json the JSON alone is on
        // stdout, so that sentence goes to stderr.
        if (options.json && run->record.summary && (run->failed() || run->record.summary->end == TraceEnd::interrupted))
            fmt::print(stderr, "reverse-traceroute: {}: {} ({})\n", trace_direction_name(run->direction),
                       run->failed() ? "failed" : "interrupted", run->record.summary->failure);
        log(LogLevel::info, "{}: {} probes sent, {} answered", trace_direction_name(run->direction), run->probes_sent(),
            run->probes_answered());
    }
    if (rounds && !options.json)
        for (const auto& line :
             report_lines(options, target, source, runs, resolver, rounds_done, !options.no_resolve, true,
                          terminal_columns(STDOUT_FILENO), options.show_locations ? geoip.get() : nullptr))
            std::printf("%s\n", line.c_str());
    // --banner: one connection to the port the forward trace reached (not after Ctrl-C).
    std::optional<ServiceBanner> banner;
    if (options.banner_s > 0 && !end.signal)
        for (auto& run : runs) {
            if (run->direction != TraceDirection::forward || !run->record.summary)
                continue;
            const auto port = static_cast<std::uint16_t>(options.engine == EngineKind::multipath
                                                             ? options.destination_port.value_or(options.flow)
                                                             : options.flow);
            banner = banner_without_connection(run->record.summary->final_answer, port, options.banner_s);
            if (!banner)
                banner = fetch_banner(source, target, port, options.banner_s, options.interface);
            if (!options.json)
                std::printf("%s\n", banner_line(*banner).c_str());
        }
    const MeasurementContext context{source, target, started, std::chrono::system_clock::now()};
    MeasurementParameters parameters = measurement_parameters(options);
    if (rounds)
        parameters.rounds = std::max(1, rounds_done);
    resolver.settle();
    auto measurement = measurement_json(parameters, context, recorded, resolver.names(), resolver.origin_as_numbers());
    if (geoip)
        add_locations(measurement, *geoip, "client");
    if (banner)
        measurement["banner"] = banner_json(*banner);
    for (auto& run : runs)
        if (run->direction == TraceDirection::forward && run->record.summary && run->record.summary->path_mtu)
            measurement["path_mtu"] = path_mtu_json(*run->record.summary->path_mtu);
    if (options.json)
        std::printf("%s\n", measurement.dump(2).c_str());
    // Every file written is named on stderr (and why its name is not the one asked for).
    const auto wrote = [&](const std::string& path) {
        const std::string asked =
            files.renamed_from.empty()
                ? std::string()
                : fmt::format(" ({} exists; --force overwrites)", files.renamed_from + path.substr(path.rfind('.')));
        std::fprintf(stderr, "reverse-traceroute: wrote %s%s\n", path.c_str(), asked.c_str());
    };
    std::vector<std::vector<IpAddress>> aliases;
    if (files.aliases) {
        aliases = find_aliases(recorded);
        write_file(*files.aliases, aliases_text(aliases));
        std::fprintf(options.json ? stderr : stdout, "aliases: %zu routers with several addresses (%s)\n",
                     aliases.size(), files.aliases->c_str());
        wrote(*files.aliases);
    }
    if (files.drawing && options.format == kGeoJsonFormat) {
        write_file(*files.drawing, measurement_geojson(measurement).dump(2) + "\n");
        wrote(*files.drawing);
    } else if (files.drawing) {
        draw_measurement({*files.drawing, options.format, !options.no_merge}, parameters, context, recorded,
                         resolver.names(), aliases);
        wrote(*files.drawing);
    }
    if (files.json) {
        write_file(*files.json, measurement.dump(4) + "\n");
        wrote(*files.json);
    }
    // Ctrl-C asks to stop: what was found is printed and saved above, but not sent anywhere.
    if (end.signal) {
        if (transmit)
            std::fprintf(stderr, "reverse-traceroute: interrupted: the measurement was not transmitted\n");
        return 128 + end.signal;
    }
    const bool transmitted = !transmit || transmit_measurement(measurement, *transmit);
    if (forward_failed || (reverse_failed && options.direction == Direction::reverse) || end.interrupted ||
        !transmitted)
        return kExitFailed;
    if (reverse_failed) {
        std::fprintf(stderr,
                     "reverse-traceroute: the forward trace is complete, the reverse trace failed (exit status %d)\n",
                     kExitReverseFailed);
        return kExitReverseFailed;
    }
    return 0;
}

}  // namespace rtt::client
