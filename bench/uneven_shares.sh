#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Uneven load balancing (issue 31): the multipath engine on simulated diamonds whose branches get
# unequal shares (3:1, 4:1, 9:1, 4:2:1, 1:1:1:5, 1:2:...:8) and on a few even ones, at the
# even-share stopping points (the default) and at each --min-share given: P(miss) per branching
# point and probes per Diamond-Miner's even-share minimum (bench/failure_control.cpp), written into
# docs/benchmarks.md (the uneven-shares section). No privileges needed.
# Usage: bench/uneven_shares.sh BUILD_DIR [TRACES_PER_CELL] [SEED] [MIN_SHARE...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$1 traces=${2:-400} seed=${3:-1}
shift $(($# < 3 ? $# : 3))
shares=("$@")
[ ${#shares[@]} -gt 0 ] || shares=(0.25 0.2 0.1)
report=$("$build/bench/failure-control" --min-share-study "$traces" "$seed" "${shares[@]}" | sed -e 's/^## /### /')
echo "$report"
python3 "$here/doc_section.py" uneven-shares "Multipath: uneven shares and --min-share" \
  "bash bench/uneven_shares.sh build $traces $seed ${shares[*]}" <<< "$report"
