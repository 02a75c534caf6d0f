// SPDX-License-Identifier: MIT
#include "transmit/measurement_transmitter.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "cli/user_config.h"
#include "client_error.h"
#include "transmit/http_post.h"

namespace rtt::client {
namespace {

constexpr const char* kApiPath = "/api/v1/measurements";

// Splits "https://host:port/prefix" into the scheme://host:port part and the path prefix.
std::pair<std::string, std::string> split_url(const std::string& url) {
    const auto host_start = url.find("://") + 3;
    const auto path_start = url.find('/', host_start);
    if (path_start == std::string::npos)
        return {url, ""};
    return {url.substr(0, path_start), url.substr(path_start)};
}

std::string error_reason(const HttpAnswer& answer) {
    const auto body = nlohmann::json::parse(answer.body, nullptr, false);
    if (body.is_object() && body.contains("error") && body["error"].is_string())
        return body["error"].get<std::string>();
    return "no reason given";
}

// Writes the measurement to a new file in unsent_folder(); returns its path or "" if even that fails.
std::string save_unsent(const std::string& body) {
    std::error_code error;
    const std::string folder = unsent_folder();
    std::filesystem::create_directories(folder, error);
    char stamp[32];
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
    for (int attempt = 0; attempt < 100; ++attempt) {
        const std::string path = fmt::format("{}/measurement-{}-{}{}.json", folder, stamp, getpid(),
                                             attempt ? fmt::format("-{}", attempt) : "");
        // O_EXCL: never overwrite anything that is already there.
        const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) {
            if (errno == EEXIST)
                continue;
            return "";
        }
        const std::string content = body + "\n";
        const bool written = write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
        close(fd);
        return written ? path : "";
    }
    return "";
}

bool ask_yes_no(const std::string& question) {
    std::fprintf(stderr, "%s [y/N] ", question.c_str());
    std::fflush(stderr);
    std::string answer;
    if (!std::getline(std::cin, answer))
        return false;
    return answer == "y" || answer == "Y" || answer == "yes";
}

}  // namespace

std::variant<Submitted, NotSubmitted> post_measurement(const TransmitSettings& settings, const std::string& body) {
    const auto [origin, prefix] = split_url(settings.collector);
    // A busy collector (503: receiving too many measurements at once; 429: this address sends
    // too fast) asks to retry: three more tries, 2, 4 and 8 s apart.
    HttpAnswer answer = http_post_json(origin, prefix + kApiPath, settings.token, body);
    for (int wait = 2; (answer.status == 503 || answer.status == 429) && wait <= 8; wait *= 2) {
        std::this_thread::sleep_for(std::chrono::seconds(wait));
        answer = http_post_json(origin, prefix + kApiPath, settings.token, body);
    }
    if (answer.status == 0)
        return NotSubmitted{fmt::format("could not reach {} ({})", settings.collector, answer.failure)};
    if (answer.status == 401)
        return NotSubmitted{
            fmt::format("the collector refused the token ({}): set REVERSE_TRACEROUTE_TOKEN or "
                        "`token = ...` in the config file to a token its operator gave you",
                        error_reason(answer))};
    if (answer.status != 201 && answer.status != 200)
        return NotSubmitted{fmt::format("the collector answered {}: {}", answer.status, error_reason(answer))};
    const auto stored = nlohmann::json::parse(answer.body, nullptr, false);
    const std::string path = stored.is_object() && stored.contains("url") && stored["url"].is_string()
                                 ? stored["url"].get<std::string>()
                                 : std::string(kApiPath);
    return Submitted{origin + path};
}

void check_collector_token(const TransmitSettings& settings) {
    const auto [origin, prefix] = split_url(settings.collector);
    const HttpAnswer answer = http_post_json(origin, prefix + kApiPath, settings.token, "{}");
    if (answer.status != 401)
        return;
    const std::string what =
        settings.token.empty()
            ? fmt::format("the collector at {} needs a token and none is set", settings.collector)
            : fmt::format("the collector at {} refused the token ({})", settings.collector, error_reason(answer));
    throw ClientError(
        fmt::format("{}: nothing was probed; set REVERSE_TRACEROUTE_TOKEN or `token = ...` in {} to a "
                    "token its operator gave you",
                    what, default_config_path()));
}

std::string transmit_summary(const nlohmann::json& m, const std::string& collector) {
    std::set<std::string> addresses;
    if (m.contains("traces"))
        for (const auto& [direction, trace] : m["traces"].items())
            for (const auto& vertex : trace)
                if (vertex.value("address", "***") != "***")
                    addresses.insert(vertex["address"].get<std::string>());
    std::string names;
    if (const auto hostnames = m.find("hostnames"); hostnames != m.end() && hostnames->is_object())
        for (const auto& [address, list] : hostnames->items())
            for (const auto& name : list)
                names += names.empty() ? name.get<std::string>() : ", " + name.get<std::string>();
    return fmt::format(
        "--transmit will send this measurement to {}{}:\n"
        "  {} {} {} trace between this host {} and {} (target {}), started {}\n"
        "  {} router and host addresses; host names: {}\n"
        "  {} bytes of JSON (the same as --json prints)\n",
        collector, kApiPath, m.value("direction", "?"), m.value("protocol", "?"), m.value("engine", "?"),
        m.value("source", "?"), m.value("destination", "?"), m.value("target", "?"), m.value("start_time", "?"),
        addresses.size(), names.empty() ? "none (-n, or none found)" : names, m.dump().size());
}

bool transmit_measurement(const nlohmann::json& measurement, const TransmitSettings& settings) {
    const std::string body = measurement.dump();
    std::string problem;
    if (settings.confirm) {
        std::fputs(transmit_summary(measurement, settings.collector).c_str(), stderr);
        if (!ask_yes_no("Send it?"))
            problem = "not sent: you declined";
    }
    if (problem.empty()) {
        const auto outcome = post_measurement(settings, body);
        if (const auto* sent = std::get_if<Submitted>(&outcome)) {
            std::fprintf(stderr, "transmitted: %s\n", sent->url.c_str());
            return true;
        }
        problem = "not sent: " + std::get<NotSubmitted>(outcome).reason;
    }
    const std::string saved = save_unsent(body);
    if (saved.empty()) {
        std::fprintf(stderr,
                     "reverse-traceroute: %s; it could not be saved in %s either, so here it is on "
                     "stdout\n",
                     problem.c_str(), unsent_folder().c_str());
        std::printf("%s\n", body.c_str());
    } else
        std::fprintf(stderr,
                     "reverse-traceroute: %s; the measurement is saved in %s (send it later: curl -H "
                     "\"Authorization: Bearer $REVERSE_TRACEROUTE_TOKEN\" --data-binary @%s %s%s)\n",
                     problem.c_str(), saved.c_str(), saved.c_str(), settings.collector.c_str(), kApiPath);
    return false;
}

}  // namespace rtt::client
