// SPDX-License-Identifier: MIT
#include "trace_run.h"

#include <unistd.h>

#include <cstdio>
#include <memory>
#include <random>

#include "client_error.h"
#include "engine/multipath_engine.h"
#include "engine/server_check.h"
#include "engine/singlepath_engine.h"
#include "io/event_loop.h"
#include "io/raw_socket.h"
#include "io/raw_socket_wire.h"
#include "log.h"
#include "measurement/json_measurement.h"
#include "net/endpoints.h"
#include "net/reverse_resolver.h"
#include "output/measurement_files.h"
#include "output/output_paths.h"
#include "output/text_report.h"
#include "probe/forward_codec.h"
#include "probe/reverse_codec.h"
#include "transmit/measurement_transmitter.h"

namespace rtt::client {
namespace {

constexpr auto kNameLookupLimit = std::chrono::milliseconds(2000);

// Everything one direction needs, kept alive for the whole run.
struct DirectionRun {
    TraceDirection direction = TraceDirection::forward;
    std::unique_ptr<Prober> prober;
    TraceRecord record;
    std::unique_ptr<ObserverFanOut> observers;
    std::unique_ptr<ProbingTask> engine;
    std::unique_ptr<ServerCheck> check;  // reverse only
    IpAddress root;

    ProbingTask& task() { return check ? static_cast<ProbingTask&>(*check) : *engine; }
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

// What the stored measurement records of the options.
MeasurementParameters measurement_parameters(const ClientOptions& options) {
    MeasurementParameters p;
    p.multipath = options.engine == EngineKind::multipath;
    p.forward = options.direction != Direction::reverse;
    p.reverse = options.direction != Direction::forward;
    p.target = options.target;
    p.protocol = options.protocol;
    p.first_ttl = options.first_ttl;
    p.max_ttl = options.max_ttl;
    p.flow = options.flow;
    p.probes_per_hop = options.probes_per_hop;
    p.confidence = options.confidence;
    p.trace_bound = options.trace_bound;
    p.destination_port = options.destination_port.value_or(0);
    p.retry = options.retries;
    p.min_burst = options.min_burst;
    p.max_burst = options.max_burst;
    p.max_probes = options.max_probes;
    p.inter_s = options.inter_s;
    p.timeout_s = options.timeout_s;
    p.abort_after = options.abort_after;
    return p;
}

}  // namespace

int run_trace(const ClientOptions& options) {
    set_log_level(options.verbosity >= 2   ? LogLevel::debug
                  : options.verbosity == 1 ? LogLevel::info
                                           : parse_log_level(options.log_level));

    // Settled before tracing, so a missing collector URL does not cost a trace.
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
    log(LogLevel::info, "tracing {} ({}) from {}", options.target, target.to_string(), source.to_string());

    ReverseResolver resolver(!options.no_resolve, kNameLookupLimit);
    NameLookupStarter lookups(resolver);
    TextReport text(options.json ? stderr : stdout, resolver);

    const ProberSettings prober_settings{static_cast<std::int64_t>(options.timeout_s * 1e9),
                                         static_cast<std::int64_t>(options.inter_s * 1e9)};
    const SinglePathSettings engine_settings{static_cast<std::uint8_t>(options.first_ttl),
                                             static_cast<std::uint8_t>(options.max_ttl),
                                             static_cast<std::uint16_t>(options.flow),
                                             options.probes_per_hop,
                                             options.retries,
                                             options.abort_after,
                                             static_cast<std::size_t>(options.max_in_flight)};
    MultipathSettings multipath_settings;
    multipath_settings.first_ttl = static_cast<std::uint8_t>(options.first_ttl);
    multipath_settings.max_ttl = static_cast<std::uint8_t>(options.max_ttl);
    multipath_settings.confidence = options.confidence;
    multipath_settings.trace_bound = options.trace_bound;
    multipath_settings.retries = options.retries;
    multipath_settings.abort_after = options.abort_after;
    multipath_settings.min_burst = static_cast<std::size_t>(options.min_burst);
    multipath_settings.max_burst = static_cast<std::size_t>(options.max_burst);
    multipath_settings.max_probes = static_cast<std::uint64_t>(options.max_probes);
    multipath_settings.first_flow =
        static_cast<std::uint16_t>(options.first_flow ? *options.first_flow : 10000 + std::random_device{}() % 55535);

    std::vector<std::unique_ptr<DirectionRun>> runs;
    const auto add_direction = [&](TraceDirection direction, std::unique_ptr<ProbeCodec> codec, IpAddress root) {
        auto run = std::make_unique<DirectionRun>();
        run->direction = direction;
        run->root = root;
        const SectionHeading heading{direction,
                                     options.protocol,
                                     options.target,
                                     target,
                                     source,
                                     codec->end_of_path(),
                                     options.first_ttl,
                                     options.max_ttl,
                                     options.abort_after,
                                     static_cast<std::uint16_t>(options.flow),
                                     options.probes_per_hop,
                                     options.engine == EngineKind::multipath,
                                     options.confidence,
                                     options.trace_bound,
                                     !options.no_merge,
                                     options.flow_paths};
        auto wire = std::make_unique<RawSocketWire>(*codec, options.interface);
        run->prober = std::make_unique<Prober>(std::move(codec), prober_settings, std::move(wire));
        run->observers = std::make_unique<ObserverFanOut>(
            std::vector<TraceObserver*>{&lookups, &run->record, &text.add_section(heading)});
        if (options.engine == EngineKind::multipath)
            run->engine = std::make_unique<MultipathEngine>(*run->prober, root, multipath_settings, *run->observers);
        else
            run->engine = std::make_unique<SinglePathEngine>(*run->prober, engine_settings, *run->observers);
        if (direction == TraceDirection::reverse)
            run->check = std::make_unique<ServerCheck>(*run->prober, static_cast<std::uint16_t>(options.flow),
                                                       *run->observers, *run->engine);
        runs.push_back(std::move(run));
    };
    if (options.direction != Direction::reverse)
        add_direction(
            TraceDirection::forward,
            std::make_unique<ForwardCodec>(options.protocol, source, target, static_cast<std::uint16_t>(getpid()),
                                           options.destination_port
                                               ? std::optional(static_cast<std::uint16_t>(*options.destination_port))
                                               : std::nullopt),
            source);
    if (options.direction != Direction::forward)
        add_direction(TraceDirection::reverse, std::make_unique<ReverseCodec>(options.protocol, source, target),
                      target);

    const auto started = std::chrono::system_clock::now();
    std::vector<ProbingTask*> tasks;
    tasks.reserve(runs.size());
    for (auto& run : runs)
        tasks.push_back(&run->task());
    // Multipath prints its graph at the end: meanwhile show progress, on a terminal only.
    const bool show_progress = options.engine == EngineKind::multipath && isatty(STDERR_FILENO);
    const auto progress = [&] {
        std::string line;
        for (auto& run : runs) {
            const auto* engine = dynamic_cast<const MultipathEngine*>(run->engine.get());
            const auto now = engine->progress();
            line += fmt::format("{}{}: ttl {}, {} vertices, {} probes sent, {} answered", line.empty() ? "" : "; ",
                                trace_direction_name(run->direction), now.deepest_ttl, now.vertices,
                                run->prober->probes_sent(), run->prober->probes_answered());
        }
        std::fprintf(stderr, "\r\033[K%s", line.c_str());
        std::fflush(stderr);
    };
    if (show_progress)
        text.before_writing([] { std::fprintf(stderr, "\r\033[K"); });
    const auto deadline = monotonic_ns() + static_cast<std::int64_t>(options.deadline_s * 1e9);
    const RunEnd end =
        run_until_finished(tasks, deadline, show_progress ? std::function<void()>(progress) : std::function<void()>{});
    if (show_progress)
        std::fprintf(stderr, "\r\033[K");

    std::vector<RecordedDirection> recorded;
    bool failed = false;
    for (auto& run : runs) {
        recorded.push_back({run->direction, run->root, run->prober->codec().end_of_path(), &run->record});
        failed = failed || (run->record.summary && run->record.summary->end == TraceEnd::failed);
        log(LogLevel::info, "{}: {} probes sent, {} answered", trace_direction_name(run->direction),
            run->prober->probes_sent(), run->prober->probes_answered());
    }
    const MeasurementContext context{source, target, started, std::chrono::system_clock::now()};
    const MeasurementParameters parameters = measurement_parameters(options);
    const auto measurement = measurement_json(parameters, context, recorded, resolver.names());
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
    if (files.drawing) {
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
    return failed || end.interrupted || !transmitted ? 1 : 0;
}

}  // namespace rtt::client
