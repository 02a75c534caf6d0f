// SPDX-License-Identifier: MIT
// reverse-traceroute-prober: the prober service (docs/prober.md). Commands in and events out
// as JSON lines, on stdin/stdout or a Unix socket; traces on the real network with
// cap_net_raw and no other privilege, or on a simulated network from a topology file.
#include <csignal>
#include <cstdio>
#include <exception>
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "cli_documents.h"
#include "client_error.h"
#include "privileges.h"
#include "rtt_version.h"
#include "service/prober_service.h"
#include "simulated_service_network.h"

namespace {

struct ProberOptions {
    double probes_per_s = 100;
    std::size_t max_running = 32;
    std::string listen;
    std::string mode = "0660";
    std::string simulate;
    rtt::sim::SimulatedServiceSettings simulation;
    std::vector<std::string> servers;
    std::string geoip;  // the GeoIP database placing every measurement's hops (empty: the first found)
};

int serve(const ProberOptions& options) {
    using namespace rtt::client;
    std::unique_ptr<ServiceNetwork> network;
    if (!options.simulate.empty()) {
        rtt::prober::keep_only_net_raw(false);
        auto topology = rtt::sim::Topology::load(options.simulate);
        // Reverse traceroute servers: the nodes named, else a node called "server" (the lab's).
        if (options.servers.empty() && topology.nodes().count("server"))
            topology.node("server").reverse_server = true;
        for (const auto& name : options.servers) {
            if (!topology.nodes().count(name))
                throw ClientError(fmt::format("--simulate-server {}: the topology has no such node", name));
            topology.node(name).reverse_server = true;
        }
        network = rtt::sim::simulated_service_network(std::move(topology), options.simulation);
    } else {
        if (!rtt::prober::can_open_raw_sockets())
            throw ClientError(
                "probing needs the cap_net_raw capability: run it as root, give it with "
                "`setcap cap_net_raw+ep reverse-traceroute-prober`, or use --simulate TOPOLOGY");
        rtt::prober::keep_only_net_raw(true);
        network = real_service_network();
    }
    // Places for every measurement: the database named, else the first found (none: no places).
    std::unique_ptr<rtt::GeoIpDatabase> places;
    try {
        places = rtt::open_geoip_database(options.geoip, [](const std::string& why) {
            std::fprintf(stderr, "reverse-traceroute-prober: %s; measurements go without places\n", why.c_str());
        });
    } catch (const rtt::MeasurementError& e) {
        throw std::invalid_argument(e.what());  // exit status 2, as a bad option
    }
    ProberServiceSettings settings{options.probes_per_s, options.max_running};
    settings.places = places.get();
    ProberService service(*network, settings);
    if (!options.listen.empty()) {
        UnixListener listener(options.listen, static_cast<unsigned>(std::stoul(options.mode, nullptr, 8)));
        return service.serve(nullptr, &listener);
    }
    Connection standard(0, 1, false, true);
    return service.serve(&standard, nullptr);
}

int run_prober(int argc, char** argv) {
    // A user that goes away mid-event is noticed as a failed write, not a killed prober.
    std::signal(SIGPIPE, SIG_IGN);
    ProberOptions options;
    CLI::App app{
        "The reverse-traceroute prober: traces and one-hop probes asked for as JSON lines on stdin (or a Unix "
        "socket), results as JSON lines on stdout. The protocol: docs/prober.md.",
        "reverse-traceroute-prober"};
    app.set_version_flag("-V,--version", "reverse-traceroute-prober " RTT_VERSION_STRING);
    app.add_option("--pps", options.probes_per_s, "Probes per second all traces share")
        ->capture_default_str()
        ->check(CLI::Range(1.0, 1'000'000.0));
    app.add_option("--max-running", options.max_running, "Traces at once; later ones wait in turn")
        ->capture_default_str()
        ->check(CLI::Range(1, 10000));
    app.add_option("--geoip", options.geoip,
                   "GeoIP database (.mmdb) placing the hops of every measurement, offline (default: the first in "
                   "/usr/share/GeoIP, /var/lib/GeoIP; if there is none, no places)")
        ->type_name("FILE");
    app.add_option("--listen", options.listen,
                   "Serve connections to this Unix socket instead of stdin/stdout (its permissions decide who may "
                   "use the prober)");
    app.add_option("--mode", options.mode, "The socket's permissions, in octal")
        ->capture_default_str()
        ->check([](const std::string& text) {
            const bool octal =
                !text.empty() && text.size() <= 4 && text.find_first_not_of("01234567") == std::string::npos;
            return octal ? std::string() : std::string("give the permissions in octal, e.g. 0660");
        });
    auto* simulate = app.add_option("--simulate", options.simulate,
                                    "Probe a simulated network from this topology file (.topo, as the lab's) instead "
                                    "of the real one; needs no privileges")
                         ->check(CLI::ExistingFile);
    app.add_option("--simulate-host", options.simulation.host, "The topology's node the prober runs on")
        ->capture_default_str()
        ->needs(simulate);
    app.add_option("--simulate-server", options.servers,
                   "A node that runs a reverse traceroute server (repeatable; default: the node named server)")
        ->needs(simulate);
    app.add_option("--seed", options.simulation.seed, "The simulated network's random seed (loss, balancing)")
        ->capture_default_str()
        ->needs(simulate);
    app.add_option("--speed", options.simulation.speed,
                   "Simulated seconds per real second (1: as long as a real network takes); 0: as fast as it can")
        ->capture_default_str()
        ->check(CLI::Range(0.0, 1e6))
        ->needs(simulate);
    rtt::add_document_options(app, {"reverse-traceroute-prober",
                                    1,
                                    "run traces asked for as JSON lines, for programs (Python) and services",
                                    "[OPTIONS]",
                                    {},
                                    {{"simulate", {"<file>"}}, {"listen", {"<file>"}}, {"geoip", {"<file>"}}},
                                    {},
                                    {},
                                    {}});
    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& done) {
        return app.exit(done);  // --help, --version, --man, --completion
    } catch (const CLI::ParseError& error) {
        std::fprintf(stderr, "reverse-traceroute-prober: %s (see --help)\n", error.what());
        return 2;
    }
    try {
        return serve(options);
    } catch (const rtt::client::ClientError& e) {
        std::fprintf(stderr, "reverse-traceroute-prober: %s\n", e.what());
        return 1;
    } catch (const std::invalid_argument& e) {
        std::fprintf(stderr, "reverse-traceroute-prober: %s\n", e.what());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "reverse-traceroute-prober: internal error (%s): please report it\n", e.what());
        return 70;
    }
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run_prober(argc, argv);
    } catch (const std::exception& e) {
        // A bug of ours, never the user's doing: still one sentence, not an abort.
        std::fprintf(stderr, "reverse-traceroute-prober: internal error (%s): please report it\n", e.what());
        return 70;
    }
}
