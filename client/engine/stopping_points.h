// SPDX-License-Identifier: MIT
// MDA stopping points (docs/multipath.md §1): n_k is the number of distinct flows through a
// vertex that must have shown only k successors before we may believe there is no (k+1)-th,
// with failure probability at most epsilon per branching point.
#pragma once

#include <vector>

namespace rtt::client {

enum class StoppingRule {
    exact,        // inclusion–exclusion (scamper, fast-mda-traceroute); what the engine uses
    union_bound,  // k·((k-1)/k)^n ≤ ε (Diamond-Miner, the Augsburg client); kept for comparison
};

// The chance that n flows spread uniformly over k successors miss at least one of them.
double miss_probability(int k, int n, StoppingRule rule = StoppingRule::exact);

class StoppingPoints {
public:
    explicit StoppingPoints(double epsilon, StoppingRule rule = StoppingRule::exact);

    // n_k: flows needed to rule out a (k+1)-th successor after seeing k (k ≥ 1 → n_{k+1}),
    // in the notation of the tables: n(1) = 0, n(2) = 6 at ε = 0.05.
    int flows_for(int k) const;

private:
    double epsilon_;
    StoppingRule rule_;
    mutable std::vector<int> table_;  // memo: table_[k]
};

}  // namespace rtt::client
