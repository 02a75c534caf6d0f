// SPDX-License-Identifier: MIT
#include "prometheus_text.h"

#include <cmath>

#include <fmt/format.h>

namespace rtt {
namespace {

// Label values escape backslash, double quote and newline; HELP text backslash and newline.
std::string escaped(const std::string& text, bool quote) {
    std::string out;
    for (const char c : text) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else if (quote && c == '"')
            out += "\\\"";
        else
            out += c;
    }
    return out;
}

std::string number(double value) {
    if (std::isinf(value))
        return value > 0 ? "+Inf" : "-Inf";
    if (std::isnan(value))
        return "NaN";
    if (value == std::floor(value) && std::fabs(value) < 1e15)
        return fmt::format("{}", static_cast<long long>(value));
    return fmt::format("{}", value);
}

}  // namespace

void PrometheusText::family(const std::string& name, const char* type, const std::string& help) {
    name_ = name;
    text_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, escaped(help, false), name, type);
}

void PrometheusText::sample(const MetricLabels& labels, double value, const std::string& suffix) {
    text_ += name_ + suffix;
    if (!labels.empty()) {
        text_ += '{';
        for (std::size_t i = 0; i < labels.size(); ++i)
            text_ += fmt::format("{}{}=\"{}\"", i ? "," : "", labels[i].first, escaped(labels[i].second, true));
        text_ += '}';
    }
    text_ += ' ' + number(value) + '\n';
}

void write_histogram(PrometheusText& out, const std::string& name, const std::string& help,
                     const HistogramSnapshot& histogram) {
    out.family(name, "histogram", help);
    for (std::size_t i = 0; i < histogram.bounds.size(); ++i)
        out.sample({{"le", number(histogram.bounds[i])}}, static_cast<double>(histogram.cumulative[i]), "_bucket");
    out.sample({{"le", "+Inf"}}, static_cast<double>(histogram.count), "_bucket");
    out.sample({}, histogram.sum, "_sum");
    out.sample({}, static_cast<double>(histogram.count), "_count");
}

}  // namespace rtt
