// SPDX-License-Identifier: MIT
#include "server_check.h"

#include <fmt/format.h>

#include "probe/reverse_codec.h"

extern "C" {
#include "protocol.h"
}

namespace rtt::client {

ServerCheck::ServerCheck(Prober& prober, std::uint16_t flow, TraceObserver& observer, ProbingTask& then)
    : prober_(prober), flow_(flow), observer_(observer), then_(then) {}

void ServerCheck::start() {
    prober_.set_listener(this);
    prober_.submit(0, flow_);
    attempts_ = 1;
}

void ServerCheck::on_outcome(const ProbeOutcome& outcome) {
    if (passed_ || failed_)
        return;
    const std::string target = prober_.codec().destination().to_string();
    if (!outcome.answer) {
        if (attempts_ < kAttempts) {
            prober_.submit(0, flow_);
            ++attempts_;
            return;
        }
        fail(
            fmt::format("no answer from {} to a reverse traceroute request: it is down, filters ICMP, or runs "
                        "no reverse traceroute server",
                        target));
        return;
    }
    const Answer& answer = *outcome.answer;
    if (answer.kind == AnswerKind::unreachable) {
        fail(*prober_.codec().refusal(answer));
        return;
    }
    if (answer.kind == AnswerKind::not_a_server) {
        fail(
            fmt::format("{} answered like a plain ping: it runs no reverse traceroute server; trace forward "
                        "only, or pick a server from `reverse-traceroute --endpoints`",
                        target));
        return;
    }
    if (answer.kind == AnswerKind::server_refused && answer.server_state != RTT_STATE_INVALID_TTL) {
        fail(fmt::format("{} runs a reverse traceroute server, but {}", target,
                         server_state_message(answer.server_state)));
        return;
    }
    passed_ = true;
    then_.start();
}

void ServerCheck::interrupt(const std::string& why) {
    if (passed_) {
        then_.interrupt(why);
    } else if (!failed_) {
        failed_ = true;
        observer_.on_end(
            TraceSummary{TraceEnd::interrupted, std::nullopt, why, prober_.probes_sent(), prober_.probes_answered()});
    }
}

void ServerCheck::give_up(const std::string& sentence) {
    if (!passed_ && !failed_)
        fail(sentence);
}

void ServerCheck::fail(const std::string& sentence) {
    failed_ = true;
    observer_.on_end(
        TraceSummary{TraceEnd::failed, std::nullopt, sentence, prober_.probes_sent(), prober_.probes_answered()});
}

}  // namespace rtt::client
