#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The BPF fuzz test (tests/bpf/server_program_fuzz_test.cpp) for longer than CI runs it: FRAMES
# frames per seed (default 10^8), seeds 1 to SEEDS (default 4). Root; needs a built tree.
# Usage: bench/bpf_fuzz_long.sh [BUILD_DIR] [FRAMES] [SEEDS]
set -euo pipefail
build=${1:-build} frames=${2:-100000000} seeds=${3:-4}
for seed in $(seq "$seeds"); do
  RTT_BPF_FUZZ_FRAMES=$frames RTT_BPF_FUZZ_SEED=$seed "$build/tests/bpf/bpf_tests" \
    --gtest_filter='ServerProgramFuzz.*' | grep -E 'frames \(seed|FAILED|Failure' || true
done
