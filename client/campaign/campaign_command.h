// SPDX-License-Identifier: MIT
// `reverse-traceroute campaign [OPTIONS] TARGETS`: its command line, the list, the network
// (raw sockets, or --simulate TOPOLOGY without privileges), the run and its summary. Returns the
// exit status: 0, 1 (a target failed, or the environment), 2 (bad input), 128 + a stop signal.
#pragma once

#include "cli_documents.h"

namespace rtt::client {

int campaign_main(int argc, char** argv);
// Its command line, for the completions of reverse-traceroute (parse_command_line()).
SubcommandDocument campaign_document();

}  // namespace rtt::client
