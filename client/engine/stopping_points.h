// SPDX-License-Identifier: MIT
// MDA stopping points (docs/multipath.md §1): n_k is the number of distinct flows through a
// vertex that must have shown only k successors before we may believe there is no (k+1)-th,
// with failure probability at most epsilon per branching point. The table assumes the successors
// share the vertex's flows evenly; with a smallest share S (--min-share), n_k also covers every
// split whose successors each get at least S of the flows (docs/multipath.md §1).
#pragma once

#include <vector>

namespace rtt::client {

enum class StoppingRule {
    exact,        // inclusion–exclusion (scamper, fast-mda-traceroute); what the engine uses
    union_bound,  // k·((k-1)/k)^n ≤ ε (Diamond-Miner, the Augsburg client); kept for comparison
};

// The chance that n flows spread uniformly over k successors miss at least one of them.
double miss_probability(int k, int n, StoppingRule rule = StoppingRule::exact);

// An upper bound on the chance that n flows through a vertex that showed `seen` successors miss
// one more whose share of the flows is at least `min_share`: at most ⌊1/S⌋ successors can each
// have S, so at most ⌊1/S⌋ - seen are unseen, and each is missed with probability (1 - S)^n at
// most (union bound). Zero when no further successor of that share fits.
double uneven_miss_bound(int seen, int n, double min_share);

class StoppingPoints {
public:
    // min_share 0: the even-share table alone; else in (0, 0.5], the smallest share covered.
    explicit StoppingPoints(double epsilon, StoppingRule rule = StoppingRule::exact, double min_share = 0);

    // n_k: flows needed to rule out a (k+1)-th successor after seeing k (k ≥ 1 → n_{k+1}),
    // in the notation of the tables: n(1) = 0, n(2) = 6 at ε = 0.05 (15 with min_share 0.25).
    int flows_for(int k) const;

private:
    double epsilon_;
    StoppingRule rule_;
    double min_share_;
    mutable std::vector<int> table_;  // memo: table_[k]
};

}  // namespace rtt::client
