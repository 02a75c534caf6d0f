// SPDX-License-Identifier: MIT
// collector-load: submits copies of one measurement from W concurrent writers, N each, and writes
// one line "id target" per acknowledged (201) submission to --acked as soon as it is answered.
// Each copy's target is made unique ("PREFIX-W-I", prefix "load" unless --prefix) so a test can
// tell every submission apart, also between several collector-loads at once.
// The concurrency and durability tests and bench/collector_ingest.sh use it.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <httplib.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

int main(int argc, char** argv) {
    std::string url, document_path, acked_path, token, prefix = "load";
    int writers = 8, count = 200, retries = 0;
    CLI::App app{"Submits copies of a measurement to a collector from concurrent writers"};
    app.add_option("--url", url, "Collector base URL, e.g. http://127.0.0.1:8080")->required();
    app.add_option("--document", document_path, "Measurement JSON file")->required();
    app.add_option("--writers", writers)->capture_default_str();
    app.add_option("--count", count, "Submissions per writer")->capture_default_str();
    app.add_option("--acked", acked_path, "File to append 'id target' lines of acknowledged submissions to");
    app.add_option("--token", token, "Bearer token");
    app.add_option("--prefix", prefix, "Start of each copy's target")->capture_default_str();
    app.add_option("--retries", retries,
                   "Send a submission again this many times when its connection is lost, as --transmit does (the "
                   "collector then answers 200 with the stored copy's id if the first one was stored)")
        ->capture_default_str();
    CLI11_PARSE(app, argc, argv);

    std::ifstream file(document_path);
    std::stringstream text;
    text << file.rdbuf();
    const auto document = nlohmann::json::parse(text.str(), nullptr, false);
    if (document.is_discarded()) {
        std::fprintf(stderr, "collector-load: %s is not JSON\n", document_path.c_str());
        return 2;
    }

    std::FILE* acked = acked_path.empty() ? nullptr : std::fopen(acked_path.c_str(), "a");
    std::mutex acked_mutex;
    std::atomic<long> stored{0}, refused{0}, failed{0}, retried{0};
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    threads.reserve(static_cast<std::size_t>(writers));
    for (int w = 0; w < writers; ++w)
        threads.emplace_back([&, w] {
            httplib::Client client(url);
            client.set_read_timeout(std::chrono::seconds(30));
            if (!token.empty())
                client.set_bearer_token_auth(token);
            for (int i = 0; i < count; ++i) {
                auto copy = document;
                copy["target"] = fmt::format("{}-{}-{}", prefix, w, i);
                auto result = client.Post("/api/v1/measurements", copy.dump(), "application/json");
                bool again = false;
                for (int attempt = 0; !result && attempt < retries; ++attempt) {
                    ++retried;
                    again = true;
                    result = client.Post("/api/v1/measurements", copy.dump(), "application/json");
                }
                if (!result) {
                    ++failed;  // connection lost (e.g. the collector was killed): stop this writer
                    return;
                }
                // A resent submission whose first copy was stored is answered 200 with its id.
                if (result->status != 201 && !(again && result->status == 200)) {
                    ++refused;
                    continue;
                }
                ++stored;
                if (acked) {
                    const auto id = nlohmann::json::parse(result->body).at("id").get<long>();
                    std::lock_guard lock(acked_mutex);
                    std::fprintf(acked, "%ld %s\n", id, copy["target"].get<std::string>().c_str());
                    std::fflush(acked);
                }
            }
        });
    for (auto& thread : threads)
        thread.join();
    if (acked)
        std::fclose(acked);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("writers %d stored %ld refused %ld failed %ld seconds %.3f per_second %.1f bytes %zu retried %ld\n",
                writers, stored.load(), refused.load(), failed.load(), seconds, static_cast<double>(stored) / seconds,
                document.dump().size(), retried.load());
    return refused == 0 && failed == 0 ? 0 : 1;
}
