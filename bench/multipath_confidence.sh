#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The confidence statistic: TRIALS forward UDP multipath traces of the wide topology at the
# default --confidence 0.05, each after giving every router a new ECMP hash seed (a new
# flow→path mapping). Counts the true branching points found and how many of them missed a
# successor (the event --confidence bounds), and the traces that were not complete; writes them
# into docs/benchmarks.md (the multipath-confidence section).
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
# The forward probes a measurement says it sent (its JSON: probes.forward.sent).
forward_probes() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["probes"]["forward"]["sent"])' "$1"; }
trap 'lab_down; rm -rf "$tmp"' EXIT
lab_up "$topo"
branching=0 missed=0 incomplete=0 probes=0
for trial in $(seq "$trials"); do
  lab_reseed "$((1000 + trial))"
  lab_exec client "$build/client/reverse-traceroute" -n --json forward udp multipath \
    --confidence "$confidence" 198.18.28.2 > "$tmp/t.json" 2> "$tmp/t.txt"
  probes=$((probes + $(forward_probes "$tmp/t.json")))
  "$build/tests/lab/lab-graph-check" "$topo" forward 4 "$tmp/t.json" > "$tmp/check" || incomplete=$((incomplete + 1))
  read -r b m < <(awk '/^branching points:/ { gsub(",", ""); print $3, $5 }' "$tmp/check")
  branching=$((branching + b)) missed=$((missed + m))
done
report="wide topology, $trials trials at --confidence $confidence:
  branching points missed: $missed of $branching ($(awk -v m="$missed" -v b="$branching" 'BEGIN { printf "%.2f%%", 100 * m / b }'), bound $(awk -v c="$confidence" 'BEGIN { printf "%g%%", 100 * c }'))
  incomplete traces: $incomplete of $trials; mean probes per trace: $((probes / trials))"
echo "$report"
python3 "$here/doc_section.py" --code multipath-confidence "Multipath confidence in the lab" \
  "sudo bash bench/multipath_confidence.sh build $trials $confidence" <<< "$report"
