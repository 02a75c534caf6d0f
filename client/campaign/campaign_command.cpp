// SPDX-License-Identifier: MIT
#include "campaign/campaign_command.h"

#include <unistd.h>

#include <csignal>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "campaign/campaign.h"
#include "campaign/target_list.h"
#include "client_error.h"
#include "ip_address.h"
#include "measurement/geoip_database.h"
#include "measurement/measurement_error.h"
#include "net/endpoint_list.h"
#include "net/endpoints.h"
#include "rtt_version.h"
#include "service/prober_command.h"
#include "service/service_network.h"
#include "simulated_service_network.h"
#include "transmit/measurement_transmitter.h"
#include "transmit/transmit_settings.h"

namespace rtt::client {
namespace {

struct CampaignOptions {
    std::string list;
    CampaignDefaults defaults;
    std::string servers_file;  // --servers: the candidates of server=closest
    std::vector<std::string> trace_options;
    CampaignSettings run;
    std::string transmit_url;
    bool assume_yes = false;
    bool quiet = false;
    std::string geoip;
    std::string simulate;
    sim::SimulatedServiceSettings simulation;
};

// Bits shared by two addresses from the first (IPv4: within its 32).
int common_bits(const IpAddress& a, const IpAddress& b) {
    const auto& x = a.wire();
    const auto& y = b.wire();
    int bits = 0;
    for (std::size_t i = a.is_v4() ? 12 : 0; i < x.size(); ++i) {
        const auto differ = static_cast<unsigned>(x[i] ^ y[i]);
        if (differ == 0) {
            bits += 8;
            continue;
        }
        for (unsigned mask = 0x80; (differ & mask) == 0; mask >>= 1)
            ++bits;
        break;
    }
    return bits;
}

// server=closest: the server of --servers that shares the longest prefix with the target (the
// same network or the nearest allocation: a guess that needs no probe), first in the file on a
// tie. Throws ClientError when none of the target's family is known.
void choose_closest_servers(std::vector<CampaignTarget>& targets, const CampaignOptions& options) {
    // A simulated network has no names: its hosts are addresses.
    const auto resolve = [&options](const std::string& host) {
        if (const auto address = IpAddress::parse(host))
            return *address;
        if (!options.simulate.empty())
            throw ClientError(fmt::format("{} is not an address, and a simulated network has no names", host));
        return resolve_target(host, std::nullopt);
    };
    std::vector<IpAddress> servers;
    bool needed = false;
    for (const auto& target : targets)
        needed |= target.server == "closest";
    if (!needed)
        return;
    const std::string file = options.servers_file.empty() ? endpoints_file() : options.servers_file;
    for (const auto& endpoint : read_endpoints(file)) {
        try {
            servers.push_back(resolve(endpoint.address));
        } catch (const ClientError&) {
            // A server whose name does not resolve now is no candidate.
        }
    }
    for (auto& target : targets) {
        if (target.server != "closest")
            continue;
        const IpAddress address = resolve(target.target);
        const IpAddress* best = nullptr;
        int best_bits = -1;
        for (const auto& server : servers)
            if (server.family() == address.family() && common_bits(server, address) > best_bits) {
                best = &server;
                best_bits = common_bits(server, address);
            }
        if (!best)
            throw ClientError(
                fmt::format("{} line {}: server=closest, but {} names no IPv{} server: add one or "
                            "name the server on the line",
                            options.list, target.line, file, address.is_v4() ? 4 : 6));
        target.server = best->to_string();
    }
}

// --trace-option NAME[=VALUE] into the prober command's "options".
nlohmann::json trace_options_json(const std::vector<std::string>& given) {
    nlohmann::json options = nlohmann::json::object();
    for (const auto& option : given) {
        const auto equals = option.find('=');
        if (equals == std::string::npos)
            options[option] = true;
        else
            options[option.substr(0, equals)] = option.substr(equals + 1);
    }
    return options;
}

// Every line's command is checked before anything is sent, so that a typo in an option or a
// line refuses the campaign instead of failing each trace.
void check_commands(const std::vector<CampaignTarget>& targets, const nlohmann::json& options,
                    const std::string& list) {
    for (const auto& target : targets) {
        nlohmann::json command{{"v", 1},
                               {"command", "trace"},
                               {"id", "check"},
                               {"target", target.target},
                               {"direction", target.direction},
                               {"protocol", target.protocol},
                               {"engine", target.engine},
                               {"options", options}};
        if (!target.server.empty())
            command["server"] = target.server;
        try {
            parse_prober_command(command.dump());
        } catch (const ProberCommandError& refused) {
            throw ClientError(fmt::format("{} line {}: {}", list, target.line, refused.what()));
        }
    }
}

std::unique_ptr<ServiceNetwork> campaign_network(const CampaignOptions& options,
                                                 const std::vector<CampaignTarget>& targets) {
    if (options.simulate.empty())
        return real_service_network();
    auto topology = sim::Topology::load(options.simulate);
    // Every node a line traces to, or names as its server, runs a reverse traceroute server.
    for (const auto& target : targets)
        for (const std::string& host : {target.target, target.server})
            if (const auto address = IpAddress::parse(host))
                if (const auto owner = topology.owner(*address))
                    topology.node(owner->first).reverse_server = true;
    return sim::simulated_service_network(std::move(topology), options.simulation);
}

bool ask_once(const std::string& question) {
    std::fprintf(stderr, "%s [y/N] ", question.c_str());
    std::fflush(stderr);
    std::string answer;
    if (!std::getline(std::cin, answer))
        return false;
    return answer == "y" || answer == "Y" || answer == "yes";
}

int run(const CampaignOptions& parsed) {
    CampaignOptions options = parsed;
    std::vector<CampaignTarget> targets;
    if (options.list == "-") {
        targets = read_target_list(std::cin, "the list on standard input", options.defaults);
    } else {
        std::ifstream in(options.list);
        if (!in)
            throw ClientError(
                fmt::format("cannot read target list {}: check the path and its permissions", options.list));
        targets = read_target_list(in, options.list, options.defaults);
    }
    if (targets.empty())
        throw ClientError(fmt::format("{} holds no target: one host name or address per line", options.list));
    options.run.trace_options = trace_options_json(options.trace_options);
    check_commands(targets, options.run.trace_options, options.list);

    if (!options.transmit_url.empty()) {
        ClientOptions transmit;
        transmit.transmit = true;
        transmit.transmit_url = options.transmit_url;
        transmit.assume_yes = options.assume_yes;
        if (options.list == "-" && !options.assume_yes)
            throw ClientError("--transmit asks before sending, but standard input holds the list: add -y");
        TransmitSettings settings = transmit_settings(transmit);
        check_collector_token(settings);
        if (settings.confirm && !ask_once(fmt::format("Send the measurements of these {} traces to {} as they finish?",
                                                      targets.size(), settings.collector)))
            throw ClientError("nothing was sent and nothing traced: run again with -y, or without --transmit");
        settings.confirm = false;
        options.run.transmit = settings;
    }
    std::unique_ptr<GeoIpDatabase> places;
    try {
        places = open_geoip_database(options.geoip, [](const std::string& why) {
            std::fprintf(stderr, "reverse-traceroute campaign: %s; measurements go without places\n", why.c_str());
        });
    } catch (const MeasurementError& e) {
        throw ClientError(e.what());
    }
    options.run.places = places.get();
    choose_closest_servers(targets, options);
    auto network = campaign_network(options, targets);
    if (!options.quiet) {
        options.run.progress = stderr;
        options.run.progress_on_terminal = isatty(STDERR_FILENO) != 0;
    }
    const CampaignResult result = run_campaign(*network, targets, options.run);
    if (!options.quiet || result.exit_status != 0) {
        std::string summary =
            fmt::format("reverse-traceroute campaign: {} of {} traces done in this run", result.done, result.total);
        if (result.skipped)
            summary += fmt::format(", {} in earlier runs", result.skipped);
        if (result.failed)
            summary += fmt::format(", {} failed (said above)", result.failed);
        if (result.unfinished)
            summary += fmt::format("; {} unfinished: run the same command again to finish them", result.unfinished);
        if (result.not_sent)
            summary += fmt::format("; {} not taken by the collector, kept in {}", result.not_sent,
                                   options.run.output.empty() ? "campaign.unsent" : options.run.output + ".unsent");
        std::fprintf(stderr, "%s\n", summary.c_str());
    }
    return result.exit_status;
}

// The command line of `reverse-traceroute campaign`, bound to `options`.
void define_command_line(CLI::App& app, CampaignOptions& options) {
    app.description(
        "Runs the traces of a list in one process under one probes/s budget, appending each measurement to "
        "--output as it finishes (JSON lines, resumable) and/or sending it to a collector. Each line: TARGET "
        "[forward|reverse|two-way] [udp|tcp|icmp] [singlepath|multipath] [server=HOST|server=closest].");
    app.name("reverse-traceroute campaign");
    app.add_option("TARGETS", options.list, "The target list, one per line ('-': standard input)")->required();
    app.add_option("-o,--output", options.run.output,
                   "Append each measurement to this file, one JSON line each; run again with the same file to "
                   "resume (finished targets are skipped)")
        ->type_name("FILE");
    app.add_option("--transmit", options.transmit_url, "Send each measurement to this collector as it finishes")
        ->type_name("URL");
    app.add_flag("-y,--yes", options.assume_yes, "Send to the collector without asking");
    app.add_option("--pps", options.run.probes_per_s, "Probes per second, all traces together")
        ->capture_default_str()
        ->check(CLI::Range(1.0, 1'000'000.0));
    app.add_option("--concurrency", options.run.concurrency, "Traces at once")
        ->capture_default_str()
        ->check(CLI::Range(1, 10000));
    app.add_option("--per-prefix", options.run.per_prefix,
                   "Traces at once toward one destination /24 (IPv4) or /48 (IPv6)")
        ->capture_default_str()
        ->check(CLI::Range(1, 10000));
    app.add_option("--direction", options.defaults.direction, "For lines that name none")
        ->capture_default_str()
        ->check(CLI::IsMember({"forward", "reverse", "two-way"}));
    app.add_option("--protocol", options.defaults.protocol, "For lines that name none")
        ->capture_default_str()
        ->check(CLI::IsMember({"udp", "tcp", "icmp"}));
    app.add_option("--engine", options.defaults.engine, "For lines that name none")
        ->capture_default_str()
        ->check(CLI::IsMember({"singlepath", "multipath"}));
    app.add_option("--server", options.defaults.server,
                   "The reverse half's server for lines that name none: a host, or closest (default: the target)")
        ->type_name("HOST|closest");
    app.add_option("--servers", options.servers_file,
                   "The servers server=closest chooses from, as ENDPOINTS lists them (default: the installed "
                   "ENDPOINTS)")
        ->type_name("FILE");
    app.add_option("-O,--trace-option", options.trace_options,
                   "A client option for every trace, without dashes, e.g. -O max-ttl=16 -O no-resolve")
        ->type_name("NAME[=VALUE]");
    app.add_option("--geoip", options.geoip, "GeoIP database (.mmdb) placing the hops (default: the first found)")
        ->type_name("FILE");
    app.add_flag("-q,--quiet", options.quiet, "No progress line and no summary (failures are still said)");
    auto* simulate =
        app.add_option("--simulate", options.simulate,
                       "Trace a simulated network from this topology file (.topo) instead of the real one; needs no "
                       "privileges (tests, benchmarks)")
            ->check(CLI::ExistingFile);
    app.add_option("--simulate-host", options.simulation.host, "The topology's node the campaign runs on")
        ->capture_default_str()
        ->needs(simulate);
    app.add_option("--seed", options.simulation.seed, "The simulated network's random seed")
        ->capture_default_str()
        ->needs(simulate);
    app.add_option("--speed", options.simulation.speed,
                   "Simulated seconds per real second (1: as long as a real network takes); 0: as fast as it can")
        ->capture_default_str()
        ->needs(simulate);
    app.set_version_flag("-V,--version", std::string("reverse-traceroute ") + RTT_VERSION_STRING);
}

}  // namespace

int campaign_main(int argc, char** argv) {
    // The driver's socket and the collector's connection may close under a write (a stop
    // signal, a collector going away): a failed write, not a killed campaign.
    std::signal(SIGPIPE, SIG_IGN);
    CampaignOptions options;
    CLI::App app;
    define_command_line(app, options);
    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& done) {
        return app.exit(done);
    } catch (const CLI::ParseError& error) {
        std::fprintf(stderr, "reverse-traceroute campaign: %s (see reverse-traceroute campaign --help)\n",
                     error.what());
        return 2;
    }
    if (options.run.output.empty() && options.transmit_url.empty()) {
        std::fprintf(stderr,
                     "reverse-traceroute campaign: the measurements would go nowhere: give --output FILE (resumable) "
                     "and/or --transmit URL\n");
        return 2;
    }
    try {
        return run(options);
    } catch (const ClientError& e) {
        std::fprintf(stderr, "reverse-traceroute campaign: %s\n", e.what());
        return 1;
    } catch (const std::invalid_argument& e) {
        std::fprintf(stderr, "reverse-traceroute campaign: %s\n", e.what());
        return 2;
    }
}

SubcommandDocument campaign_document() {
    struct Held {
        CampaignOptions options;
        CLI::App app;
    };
    auto held = std::make_shared<Held>();
    define_command_line(held->app, held->options);
    auto document = std::make_shared<CommandDocument>(CommandDocument{"reverse-traceroute campaign",
                                                                      1,
                                                                      "trace the targets of a list",
                                                                      "[OPTIONS] TARGETS",
                                                                      {{"<file>"}},
                                                                      {{"output", {"<file>"}},
                                                                       {"servers", {"<file>"}},
                                                                       {"geoip", {"<file>"}},
                                                                       {"simulate", {"<file>"}},
                                                                       {"direction", {"forward", "reverse", "two-way"}},
                                                                       {"protocol", {"udp", "tcp", "icmp"}},
                                                                       {"engine", {"singlepath", "multipath"}}},
                                                                      {"targets"},
                                                                      {},
                                                                      {}});
    return {"campaign", std::shared_ptr<const CLI::App>(held, &held->app), document};
}

}  // namespace rtt::client
