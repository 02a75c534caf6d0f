// SPDX-License-Identifier: MIT
#include "campaign/campaign.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <variant>

#include <fmt/format.h>

#include "campaign/campaign_journal.h"
#include "client_error.h"
#include "ip_address.h"
#include "service/command_channel.h"
#include "service/prober_service.h"
#include "transmit/measurement_transmitter.h"

namespace rtt::client {
namespace {

using SteadyClock = std::chrono::steady_clock;

// How far down the list the driver looks for a target whose prefix has room, so that a long
// run of targets in one prefix does not hold up the others (and a scan stays cheap).
constexpr std::size_t kDispatchWindow = 4096;

std::string duration_text(double seconds) {
    const long s = std::lround(seconds);
    if (s >= 3600)
        return fmt::format("{}h{:02}m", s / 3600, s / 60 % 60);
    if (s >= 60)
        return fmt::format("{}m{:02}s", s / 60, s % 60);
    return fmt::format("{}s", s);
}

// Posts finished measurements to the collector from a thread of its own, so that a slow
// collector never holds up the probing; what it does not take goes to OUTPUT.unsent.
class Sender {
public:
    Sender(const TransmitSettings& settings, std::string unsent_path)
        : settings_(settings), unsent_path_(std::move(unsent_path)), thread_([this] { run(); }) {}
    ~Sender() { finish(); }
    Sender(const Sender&) = delete;
    Sender& operator=(const Sender&) = delete;

    void send(std::string measurement) {
        {
            std::lock_guard lock(mutex_);
            queue_.push_back(std::move(measurement));
        }
        ready_.notify_one();
    }
    // Sends what is queued, then returns; how many the collector did not take, and the last
    // reason it gave.
    std::pair<std::size_t, std::string> finish() {
        {
            std::lock_guard lock(mutex_);
            closing_ = true;
        }
        ready_.notify_one();
        if (thread_.joinable())
            thread_.join();
        return {not_sent_, last_reason_};
    }

private:
    void run() {
        for (;;) {
            std::string measurement;
            {
                std::unique_lock lock(mutex_);
                ready_.wait(lock, [this] { return closing_ || !queue_.empty(); });
                if (queue_.empty())
                    return;
                measurement = std::move(queue_.front());
                queue_.pop_front();
            }
            std::variant<Submitted, NotSubmitted> posted = NotSubmitted{};
            try {
                posted = post_measurement(settings_, measurement);
            } catch (const std::exception& failed) {  // e.g. the HTTP plugin cannot be loaded
                posted = NotSubmitted{failed.what()};
            }
            if (const auto* refused = std::get_if<NotSubmitted>(&posted)) {
                ++not_sent_;
                last_reason_ = refused->reason;
                if (std::FILE* unsent = std::fopen(unsent_path_.c_str(), "a")) {
                    std::fprintf(unsent, "%s\n", measurement.c_str());
                    std::fclose(unsent);
                }
            }
        }
    }

    TransmitSettings settings_;
    std::string unsent_path_;
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<std::string> queue_;
    bool closing_ = false;
    std::size_t not_sent_ = 0;
    std::string last_reason_;
    std::thread thread_;
};

// The driver's side of the socket pair: commands out, events in, the output and the progress.
class Driver {
public:
    Driver(int fd, std::deque<const CampaignTarget*> pending, const CampaignSettings& settings,
           CampaignJournal* journal, Sender* sender, CampaignResult& result)
        : fd_(fd),
          pending_(std::move(pending)),
          settings_(settings),
          journal_(journal),
          sender_(sender),
          result_(result),
          started_(SteadyClock::now()) {}

    void run() {
        dispatch();
        std::string buffer;
        char chunk[65536];
        for (;;) {
            pollfd watch{fd_, POLLIN, 0};
            const int ready = ::poll(&watch, 1, 500);
            if (ready < 0 && errno != EINTR)
                break;
            if (ready > 0) {
                const ssize_t n = ::read(fd_, chunk, sizeof chunk);
                if (n < 0 && errno == EINTR)
                    continue;
                if (n <= 0)
                    break;  // the prober has gone
                buffer.append(chunk, static_cast<std::size_t>(n));
                std::size_t start = 0;
                for (std::size_t end; (end = buffer.find('\n', start)) != std::string::npos; start = end + 1)
                    handle(std::string_view(buffer).substr(start, end - start));
                buffer.erase(0, start);
                dispatch();
            }
            show_progress(false);
        }
        show_progress(true);
    }

private:
    void send_command(const nlohmann::json& command) {
        const std::string line = command.dump() + "\n";
        std::size_t written = 0;
        while (written < line.size()) {
            const ssize_t n = ::write(fd_, line.data() + written, line.size() - written);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                return;  // the prober has gone: its end of the loop says why
            written += static_cast<std::size_t>(n);
        }
    }

    void dispatch() {
        while (!input_closed_ && in_flight_.size() < 2 * settings_.concurrency && !pending_.empty()) {
            auto chosen = pending_.end();
            const std::size_t window = std::min(pending_.size(), kDispatchWindow);
            for (std::size_t i = 0; i < window; ++i)
                if (per_prefix_[politeness_prefix(pending_[i]->target)] < settings_.per_prefix) {
                    chosen = pending_.begin() + static_cast<std::ptrdiff_t>(i);
                    break;
                }
            if (chosen == pending_.end())
                break;  // every prefix in view is at its limit: wait for a trace to finish
            const CampaignTarget& target = **chosen;
            pending_.erase(chosen);
            const std::string id = fmt::format("c{}", next_id_++);
            nlohmann::json command{{"v", 1},
                                   {"command", "trace"},
                                   {"id", id},
                                   {"target", target.target},
                                   {"direction", target.direction},
                                   {"protocol", target.protocol},
                                   {"engine", target.engine},
                                   {"options", settings_.trace_options}};
            if (!target.server.empty())
                command["server"] = target.server;
            in_flight_[id] = &target;
            ++per_prefix_[politeness_prefix(target.target)];
            send_command(command);
        }
        if (!input_closed_ && pending_.empty() && in_flight_.empty()) {
            // Nothing more to ask: the prober ends once its traces are done, and says bye.
            ::shutdown(fd_, SHUT_WR);
            input_closed_ = true;
        }
    }

    void handle(std::string_view line) {
        const auto event = nlohmann::json::parse(line, nullptr, false);
        if (!event.is_object())
            return;
        const std::string kind = event.value("event", "");
        if (const auto t = event.find("t"); t != event.end() && t->is_number())
            result_.loop_seconds = std::max(result_.loop_seconds, t->get<double>());
        if (kind == "bye") {
            input_closed_ = true;  // a stop signal: nothing more is started
            return;
        }
        if (kind == "started") {
            ++running_;
            return;
        }
        if (kind == "end") {
            result_.probes += event.value("probes_sent", std::uint64_t{0});
            return;
        }
        if (kind != "done" && kind != "error")
            return;
        const auto found = in_flight_.find(event.value("id", ""));
        if (found == in_flight_.end())
            return;
        const CampaignTarget& target = *found->second;
        in_flight_.erase(found);
        --per_prefix_[politeness_prefix(target.target)];
        if (kind == "error") {
            ++result_.failed;
            say(fmt::format("line {} ({}): {}", target.line, target.target, event.value("message", "")));
            return;
        }
        --running_;
        // Cut short by a stop signal (the loop interrupts the traces running; those between two
        // rounds are cancelled): not a result, it runs again when the campaign does. A trace past
        // its --deadline is a result, as the client would give it.
        const std::string stopped = event.value("stopped", "");
        bool interrupted = stopped == "Ctrl-C" || stopped == "SIGTERM" || stopped == "shutdown";
        const auto& measurement_json = event.contains("measurement") ? event["measurement"] : event;
        const auto outcomes = measurement_json.find("outcome");
        if (stopped.empty() && outcomes != measurement_json.end() && outcomes->is_object())
            for (const auto& outcome : *outcomes)
                interrupted |= outcome == "interrupted";
        if (interrupted) {
            ++result_.unfinished;
            return;
        }
        const auto found_measurement = event.find("measurement");
        if (found_measurement == event.end() || !fatal_.empty()) {
            ++result_.unfinished;
            return;
        }
        const std::string measurement = found_measurement->dump();
        if (journal_) {
            try {
                journal_->append(measurement);
            } catch (const ClientError& failed) {
                // The output cannot take more (a full disk): nothing more is started, and what
                // ends from now on runs again when the campaign does.
                fatal_ = failed.what();
                ++result_.unfinished;
                if (!input_closed_) {
                    ::shutdown(fd_, SHUT_WR);
                    input_closed_ = true;
                }
                return;
            }
        }
        if (sender_)
            sender_->send(measurement);
        ++result_.done;
    }

    // A message about one target, above the progress line.
    void say(const std::string& text) {
        if (!settings_.progress)
            return;
        std::fprintf(settings_.progress, "%sreverse-traceroute campaign: %s\n",
                     settings_.progress_on_terminal ? "\r\033[K" : "", text.c_str());
        progress_shown_ = false;
    }

    void show_progress(bool last) {
        if (!settings_.progress)
            return;
        const auto now = SteadyClock::now();
        const double elapsed = std::chrono::duration<double>(now - started_).count();
        const double interval = settings_.progress_on_terminal ? 0.5 : settings_.plain_progress_interval_s;
        if (!last && progress_shown_ && std::chrono::duration<double>(now - last_progress_).count() < interval)
            return;
        if (!last && !settings_.progress_on_terminal && elapsed < interval)
            return;
        last_progress_ = now;
        const std::size_t finished = result_.done + result_.failed;
        const std::size_t total = result_.total - result_.skipped;
        std::string eta = "ETA -";
        if (finished > 0 && finished < total)
            eta =
                "ETA " + duration_text(elapsed / static_cast<double>(finished) * static_cast<double>(total - finished));
        const std::string line =
            fmt::format("campaign: {}/{} done{}, {} failed, {} running, {:.0f} probes/s, {}", result_.done, total,
                        result_.skipped ? fmt::format(" ({} earlier)", result_.skipped) : std::string(), result_.failed,
                        running_, elapsed > 0 ? static_cast<double>(result_.probes) / elapsed : 0.0,
                        last ? "took " + duration_text(elapsed) : eta);
        if (settings_.progress_on_terminal)
            std::fprintf(settings_.progress, "\r\033[K%s%s", line.c_str(), last ? "\n" : "");
        else
            std::fprintf(settings_.progress, "%s\n", line.c_str());
        std::fflush(settings_.progress);
        progress_shown_ = true;
    }

public:
    // Why the campaign could not go on (the output cannot be written), or "".
    const std::string& fatal() const { return fatal_; }

private:
    int fd_;
    std::string fatal_;
    std::deque<const CampaignTarget*> pending_;
    const CampaignSettings& settings_;
    CampaignJournal* journal_;
    Sender* sender_;
    CampaignResult& result_;
    std::map<std::string, const CampaignTarget*> in_flight_;
    std::map<std::string, std::size_t> per_prefix_;
    std::size_t running_ = 0;
    std::uint64_t next_id_ = 1;
    bool input_closed_ = false;
    SteadyClock::time_point started_;
    SteadyClock::time_point last_progress_;
    bool progress_shown_ = false;
};

}  // namespace

std::string politeness_prefix(const std::string& target) {
    const auto address = IpAddress::parse(target);
    if (!address)
        return target;  // a name: its own key (the prober resolves it)
    auto bytes = address->wire();
    // IPv4 (mapped: the last 4 bytes): keep 3 of them, a /24; IPv6: 6 bytes, a /48.
    for (std::size_t i = address->is_v4() ? 15 : 6; i < bytes.size(); ++i)
        bytes[i] = 0;
    return IpAddress::from_wire(bytes).to_string() + (address->is_v4() ? "/24" : "/48");
}

CampaignResult run_campaign(ServiceNetwork& network, const std::vector<CampaignTarget>& targets,
                            const CampaignSettings& settings) {
    CampaignResult result;
    result.total = targets.size();
    std::optional<CampaignJournal> journal;
    std::map<std::string, int> earlier;
    if (!settings.output.empty()) {
        journal.emplace(settings.output);
        earlier = journal->finished();
    }
    std::deque<const CampaignTarget*> pending;
    for (const auto& target : targets) {
        if (auto found = earlier.find(target.identity()); found != earlier.end() && found->second > 0) {
            --found->second;
            ++result.skipped;
        } else {
            pending.push_back(&target);
        }
    }
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
        throw ClientError("cannot make the campaign's socket pair: the process is out of file descriptors");
    std::optional<Sender> sender;
    if (settings.transmit)
        sender.emplace(*settings.transmit, settings.output.empty() ? "campaign.unsent" : settings.output + ".unsent");

    ProberServiceSettings service_settings{settings.probes_per_s, settings.concurrency};
    service_settings.max_waiting = 2 * settings.concurrency + 1;
    service_settings.places = settings.places;
    ProberService service(network, service_settings);
    const auto started = SteadyClock::now();
    int status = 0;
    std::string fatal;
    {
        // Events go out without blocking the loop (the prober's way with sockets); the driver
        // reads them as they come.
        Connection connection(pair[0], pair[0], false, false);
        // The driver starts after the network's stop signals were blocked (its waiter exists):
        // its thread inherits the mask, so Ctrl-C reaches the loop and not the driver.
        Driver driver(pair[1], std::move(pending), settings, journal ? &*journal : nullptr, sender ? &*sender : nullptr,
                      result);
        std::thread driving([&driver] { driver.run(); });
        status = service.serve(&connection, nullptr);
        // The last events (the bye) may still wait: written now, blocking, while the driver reads.
        ::fcntl(pair[0], F_SETFL, ::fcntl(pair[0], F_GETFL) & ~O_NONBLOCK);
        connection.flush();
        ::shutdown(pair[0], SHUT_RDWR);  // the driver reads what is left, then the end
        driving.join();
        fatal = driver.fatal();
    }
    ::close(pair[0]);
    ::close(pair[1]);
    if (!fatal.empty())
        throw ClientError(fatal);
    if (sender)
        std::tie(result.not_sent, std::ignore) = sender->finish();
    result.seconds = std::chrono::duration<double>(SteadyClock::now() - started).count();
    result.unfinished = result.total - result.skipped - result.done - result.failed;
    result.exit_status = status != 0 ? status : result.failed > 0 ? 1 : 0;
    return result;
}

}  // namespace rtt::client
