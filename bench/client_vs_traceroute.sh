#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Forward single-path trace time on the line topology: reverse-traceroute against Debian's
# traceroute with equivalent settings (UDP, 3 probes per hop, 16 in flight, no DNS), run
# alternately in the same lab; plus our reverse single path. Prints the median wall time of
# RUNS runs of each (process start to exit) and the ratio, and writes them into
# docs/benchmarks.md (the client-vs-traceroute section). Needs root.
# Usage: bench/client_vs_traceroute.sh BUILD_DIR [RUNS]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tests/lab/netlab.sh"
lab_require_root
build=$1
runs=${2:-20}
command -v traceroute >/dev/null || { echo "traceroute is not installed: run scripts/install-deps"; exit 1; }
lab_up "$here/../tests/lab/topologies/line.topo"
trap lab_down EXIT
lab_start_server "$build/server/reverse-traceroute-server" r3
target=198.18.4.2

median_ms() {  # median wall time in ms of running "$@" $runs times in the client namespace
  local times=() i start end
  for i in $(seq "$runs"); do
    start=$(date +%s%N)
    lab_exec client "$@" >/dev/null 2>&1
    end=$(date +%s%N)
    times+=($(( (end - start) / 1000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "%.2f", a[int((NR + 1) / 2)] / 1000 }'
}

ours=$(median_ms "$build/client/reverse-traceroute" -n forward udp singlepath -q 3 -N 16 "$target")
theirs=$(median_ms traceroute -n -U -q 3 -N 16 "$target")
baseline=$(median_ms true)
reverse=$(median_ms "$build/client/reverse-traceroute" -n reverse udp singlepath -q 3 -N 16 "$target")
lab_stop_server
report="forward single path, line topology, median of $runs runs:
  reverse-traceroute ${ours} ms   traceroute ${theirs} ms   ratio $(awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "%.2f", a / b }')
reverse single path: ${reverse} ms
baseline (ip netns exec true, included in every figure): ${baseline} ms
  without it: ours $(awk -v a="$ours" -v z="$baseline" 'BEGIN { printf "%.2f", a - z }') ms, traceroute $(awk -v a="$theirs" -v z="$baseline" 'BEGIN { printf "%.2f", a - z }') ms"
echo "$report"
python3 "$(dirname "$0")/doc_section.py" --code client-vs-traceroute "Client: forward single path vs traceroute" \
  "sudo bash bench/client_vs_traceroute.sh build $runs" <<< "$report"
