// SPDX-License-Identifier: MIT
// reverse-traceroute: parses the command line and hands over to run_trace().
#include <cstdio>
#include <exception>
#include <new>

#include <cstring>

#include "campaign/campaign_command.h"
#include "cli/options.h"
#include "client_error.h"
#include "measurement/measurement_error.h"
#include "trace_run.h"

int main(int argc, char** argv) {
    using namespace rtt::client;
    try {
        if (argc > 1 && std::strcmp(argv[1], "campaign") == 0)
            return campaign_main(argc - 1, argv + 1);
        const auto parsed = parse_command_line(argc, argv, {campaign_document()});
        if (const auto* exit = std::get_if<ParseExit>(&parsed)) {
            if (!exit->text.empty())
                std::fprintf(exit->exit_code == 0 ? stdout : stderr,
                             exit->exit_code == 0 ? "%s\n" : "reverse-traceroute: %s\n", exit->text.c_str());
            return exit->exit_code;
        }
        return run_trace(std::get<ClientOptions>(parsed));
    } catch (const ClientError& e) {
        std::fprintf(stderr, "reverse-traceroute: %s\n", e.what());
        return 1;
    } catch (const rtt::MeasurementError& e) {
        std::fprintf(stderr, "reverse-traceroute: %s\n", e.what());
        return 1;
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "reverse-traceroute: out of memory: lower --max-probes or trace fewer paths\n");
        return 1;
    } catch (const std::exception& e) {
        // A bug of ours, never the user's doing: still one sentence, not an abort.
        std::fprintf(stderr, "reverse-traceroute: internal error (%s): please report it with the command you ran\n",
                     e.what());
        return 70;  // EX_SOFTWARE
    }
}
