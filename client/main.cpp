// SPDX-License-Identifier: MIT
// reverse-traceroute: parses the command line and hands over to run_trace().
#include <cstdio>
#include <exception>

#include "cli/options.h"
#include "client_error.h"
#include "trace_run.h"

int main(int argc, char** argv) {
    using namespace rtt::client;
    const auto parsed = parse_command_line(argc, argv);
    if (const auto* exit = std::get_if<ParseExit>(&parsed)) {
        if (!exit->text.empty())
            std::fprintf(exit->exit_code == 0 ? stdout : stderr,
                         exit->exit_code == 0 ? "%s\n" : "reverse-traceroute: %s\n", exit->text.c_str());
        return exit->exit_code;
    }
    try {
        return run_trace(std::get<ClientOptions>(parsed));
    } catch (const ClientError& e) {
        std::fprintf(stderr, "reverse-traceroute: %s\n", e.what());
        return 1;
    }
}
