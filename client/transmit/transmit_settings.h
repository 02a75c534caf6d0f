// SPDX-License-Identifier: MIT
// Where `--transmit` sends a measurement and with which token, settled before the trace starts
// so a missing URL or an unanswerable question does not waste the trace:
//   URL:   --transmit URL, else $REVERSE_TRACEROUTE_COLLECTOR, else `collector = URL` in the
//          config file (~/.config/reverse-traceroute/config);
//   token: $REVERSE_TRACEROUTE_TOKEN, else `token = TOKEN` in the config file — not the command
//          line, where it would land in shell history and in ps.
#pragma once

#include <string>

#include "cli/options.h"

namespace rtt::client {

struct TransmitSettings {
    std::string collector;  // base URL, e.g. https://collector.example.net
    std::string token;      // may be empty (a collector run with --open)
    bool confirm = true;    // ask before sending (no -y)
};

// Throws ClientError with one sentence when no usable URL is known or confirmation is needed
// but there is no terminal to ask on.
TransmitSettings transmit_settings(const ClientOptions& options);

// Where measurements that could not be sent are kept: $XDG_STATE_HOME/reverse-traceroute/unsent
// (default ~/.local/state/reverse-traceroute/unsent).
std::string unsent_folder();

}  // namespace rtt::client
