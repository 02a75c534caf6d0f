#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The confidence statistic: TRIALS forward UDP multipath traces of the wide topology at the
# default --confidence 0.05, each after giving every router a new ECMP hash seed (a new
# flow→path mapping). Counts the true branching points found and how many of them missed a
# successor (the event --confidence bounds), and the traces that were not complete.
# Usage: bench/multipath_confidence.sh BUILD_DIR [TRIALS] [CONFIDENCE]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tests/lab/netlab.sh"
lab_require_root
build=$1
trials=${2:-100}
confidence=${3:-0.05}
topo="$here/../tests/lab/topologies/wide.topo"
tmp=$(mktemp -d)
trap 'lab_down; rm -rf "$tmp"' EXIT
lab_up "$topo"
branching=0 missed=0 incomplete=0 probes=0
for trial in $(seq "$trials"); do
  lab_reseed "$((1000 + trial))"
  lab_exec client "$build/client/reverse-traceroute" -n --json forward udp multipath \
    --confidence "$confidence" 198.18.28.2 > "$tmp/t.json" 2> "$tmp/t.txt"
  probes=$((probes + $(grep -o '[0-9]* probes,' "$tmp/t.txt" | grep -o '[0-9]*')))
  "$build/tests/lab/lab-graph-check" "$topo" forward 4 "$tmp/t.json" > "$tmp/check" || incomplete=$((incomplete + 1))
  read -r b m < <(awk '/^branching points:/ { gsub(",", ""); print $3, $5 }' "$tmp/check")
  branching=$((branching + b)) missed=$((missed + m))
done
echo "wide topology, $trials trials at --confidence $confidence:"
echo "  branching points missed: $missed of $branching ($(awk -v m="$missed" -v b="$branching" 'BEGIN { printf "%.2f%%", 100 * m / b }'), bound $(awk -v c="$confidence" 'BEGIN { printf "%g%%", 100 * c }'))"
echo "  incomplete traces: $incomplete of $trials; mean probes per trace: $((probes / trials))"
