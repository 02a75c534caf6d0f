#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Many traces at once in one loop (bench/scheduler_scale.cpp) for each count in COUNTS, under
# one probes/s budget, on the simulated network; written into docs/benchmarks.md (the
# scheduler-scale section). No privileges needed.
# Usage: bench/scheduler_scale.sh BUILD_DIR [PPS] [COUNTS...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$1 pps=${2:-10000}
shift $(( $# > 1 ? 2 : 1 ))
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(100 1000 10000)
report="Forward UDP multipath traces, each to its own server behind a meshed diamond (width 4,
length 2), all started at once in one Scheduler under --pps $pps, simulated network, one core:"$'\n\n'"\`\`\`"
for count in "${counts[@]}"; do
  report+=$'\n'"$("$build/bench/scheduler-scale" "$count" "$pps")"
done
report+=$'\n'"\`\`\`"
echo "$report"
python3 "$here/doc_section.py" scheduler-scale "Many traces in one loop (simulated network)" \
  "bash bench/scheduler_scale.sh build $pps ${counts[*]}" <<< "$report"
