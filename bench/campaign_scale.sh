#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `reverse-traceroute campaign` at scale on the simulated network paced to real time
# (bench/campaign_scale.cpp): TRACES two-way traces over a catalogue of shapes under --pps PPS,
# CONCURRENCY at once; then, at the first concurrency, the same number of traces through the
# first shape in one run (the end of a run paid once). Written into docs/benchmarks.md (the
# campaign-scale section). No privileges needed.
# Usage: bench/campaign_scale.sh BUILD_DIR [TRACES] [PPS] [CONCURRENCY...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$1 traces=${2:-10000} pps=${3:-10000}
shift $(( $# > 3 ? 3 : $# ))
concurrencies=("$@")
[ ${#concurrencies[@]} -gt 0 ] || concurrencies=(1000 3000)
report=""
for concurrency in "${concurrencies[@]}"; do
  report+="$("$build/bench/campaign-scale" "$traces" "$pps" "$concurrency")"$'\n'
done
report+="one shape, one run:"$'\n'"$("$build/bench/campaign-scale" "$traces" "$pps" "${concurrencies[0]}" 1)"$'\n'
echo "$report"
python3 "$here/doc_section.py" --code campaign-scale "Campaigns at scale (simulated network, real time)" \
  "bash bench/campaign_scale.sh build $traces $pps ${concurrencies[*]}" <<< "$report"
