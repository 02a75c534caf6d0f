// SPDX-License-Identifier: MIT
// The Prometheus text exposition format (version 0.0.4), written by the server's and the
// collector's /metrics: each family once with its HELP and TYPE, then its samples. There is no
// Prometheus client library in Debian for C++, and the format is a few lines of text.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace rtt {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

class PrometheusText {
public:
    // Starts a family: type is "counter", "gauge" or "histogram".
    void family(const std::string& name, const char* type, const std::string& help);
    // One sample of the current family; `suffix` is appended to its name (_bucket, _sum, _count).
    void sample(const MetricLabels& labels, double value, const std::string& suffix = {});
    void sample(double value) { sample({}, value); }

    std::string text() const { return text_; }

private:
    std::string name_;
    std::string text_;
};

// A histogram's state (cumulative buckets with upper bounds, sum, count) written as one family.
struct HistogramSnapshot {
    std::vector<double> bounds;             // upper bounds, ascending; +Inf is added
    std::vector<std::uint64_t> cumulative;  // per bound: observations <= bound
    std::uint64_t count = 0;
    double sum = 0;
};
void write_histogram(PrometheusText& out, const std::string& name, const std::string& help,
                     const HistogramSnapshot& histogram);

// The media type a scrape gets.
constexpr const char* kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace rtt
