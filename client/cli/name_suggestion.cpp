// SPDX-License-Identifier: MIT
#include "cli/name_suggestion.h"

#include <algorithm>

namespace rtt::client {
namespace {

// Levenshtein distance between two short names.
std::size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j)
        row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

}  // namespace

std::optional<std::string> closest_name(const std::string& word, const std::vector<std::string>& names) {
    std::string dashed = word;
    std::replace(dashed.begin(), dashed.end(), '_', '-');
    std::optional<std::string> best;
    std::size_t best_distance = 3;
    for (const auto& name : names)
        if (const std::size_t d = edit_distance(dashed, name); d < best_distance) {
            best_distance = d;
            best = name;
        }
    return best;
}

}  // namespace rtt::client
