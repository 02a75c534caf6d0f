// SPDX-License-Identifier: MIT
#include "stopping_points.h"

#include <cmath>
#include <stdexcept>

namespace rtt::client {

double miss_probability(int k, int n, StoppingRule rule) {
    if (k <= 1)
        return 0.0;
    if (rule == StoppingRule::union_bound)
        return k * std::pow(static_cast<double>(k - 1) / k, n);
    // P(some successor unseen) = Σ_{i=1}^{k-1} (-1)^{i+1} C(k,i) ((k-i)/k)^n
    double sum = 0;
    double binomial = 1;  // C(k, i), built up term by term
    for (int i = 1; i < k; ++i) {
        binomial = binomial * (k - i + 1) / i;
        const double term = binomial * std::pow(static_cast<double>(k - i) / k, n);
        sum += (i % 2 == 1) ? term : -term;
    }
    return sum < 0 ? 0.0 : sum;
}

double uneven_miss_bound(int seen, int n, double min_share) {
    const int unseen = static_cast<int>(std::floor(1 / min_share + 1e-9)) - seen;
    return unseen <= 0 ? 0.0 : unseen * std::pow(1 - min_share, n);
}

StoppingPoints::StoppingPoints(double epsilon, StoppingRule rule, double min_share)
    : epsilon_(epsilon), rule_(rule), min_share_(min_share) {
    if (!(epsilon > 0 && epsilon < 1))
        throw std::invalid_argument("epsilon must lie strictly between 0 and 1");
    if (!(min_share == 0 || (min_share > 0 && min_share <= 0.5)))
        throw std::invalid_argument("the smallest share must be 0 (even shares) or lie in (0, 0.5]");
}

int StoppingPoints::flows_for(int k) const {
    if (k <= 1)
        return 0;
    if (static_cast<int>(table_.size()) <= k)
        table_.resize(static_cast<std::size_t>(k) + 1, -1);
    int& cached = table_[static_cast<std::size_t>(k)];
    if (cached < 0) {
        int n = k;  // fewer flows than successors can never see them all
        while (miss_probability(k, n, rule_) > epsilon_ ||
               (min_share_ > 0 && uneven_miss_bound(k - 1, n, min_share_) > epsilon_))
            ++n;
        cached = n;
    }
    return cached;
}

}  // namespace rtt::client
