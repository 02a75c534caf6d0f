// SPDX-License-Identifier: MIT
// The prober as a service (docs/prober.md): it reads commands (prober_command.h) from its
// users and runs their traces and one-hop probes in one loop, many at once under one probes/s
// budget, writing each hop or vertex as it is found, the statistics after each round (-c N),
// and then the finished measurement (the stored JSON) as event lines. The network it probes is a seam
// (service_network.h): raw sockets, or the simulated network for tests and notebooks without privileges.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/scheduler.h"
#include "measurement/geoip_database.h"
#include "service/command_channel.h"
#include "service/prober_command.h"
#include "service/service_network.h"

namespace rtt::client {

struct ProberServiceSettings {
    double probes_per_s = 100;     // shared by every trace running
    std::size_t max_running = 32;  // traces at once; later ones wait in turn
    std::size_t max_waiting = 1000;
    const GeoIpDatabase* places = nullptr;  // places every measurement's hops (null: none)
};

class ProberService {
public:
    ProberService(ServiceNetwork& network, ProberServiceSettings settings);
    ~ProberService();
    ProberService(const ProberService&) = delete;
    ProberService& operator=(const ProberService&) = delete;

    // Serves `standard` (stdin and stdout) or the connections to `listener` until a shutdown
    // command, the end of standard input once its traces are done, or SIGINT/SIGTERM (then the
    // traces running end as interrupted and their partial measurements are sent). Returns the
    // exit status: 0, or 128 + the signal.
    int serve(Connection* standard, UnixListener* listener);

private:
    struct Trace;
    struct Party;

    void add_party(std::unique_ptr<Connection> owned, Connection* standard);
    void read_commands();
    void handle(Party& party, const std::string& line);
    void start_waiting();
    void start(Trace& trace);
    void start_round(Trace& trace);
    // Cancels the traces past their --deadline and starts the rounds that are due; returns when
    // the next of these falls due on the loop's clock (0: none).
    std::int64_t keep_time();
    void direction_done(Trace& trace);
    void send_done(Trace& trace);
    void finish(Trace& trace);
    void cancel(Trace& trace, const std::string& why);
    void write(Party& party, const nlohmann::json& line);
    bool done_serving() const;

    ServiceNetwork& network_;
    ProberServiceSettings settings_;
    Scheduler scheduler_;
    UnixListener* listener_ = nullptr;
    std::list<std::unique_ptr<Party>> parties_;
    std::list<std::unique_ptr<Trace>> traces_;  // waiting or running
    std::deque<Trace*> waiting_;
    std::vector<std::unique_ptr<Trace>> finished_;  // freed outside the loop's callbacks
    std::size_t running_ = 0;
    std::uint16_t next_identifier_ = 1;
    std::uint16_t next_first_id_ = 1;
    bool shutting_down_ = false;
};

}  // namespace rtt::client
