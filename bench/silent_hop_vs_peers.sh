#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What one silent router costs (issue 26), on the line topology with r2 silenced, in one lab
# run: a forward trace by reverse-traceroute (adaptive waits, and with them off: -w 2,0,0, as
# the build before them waited) against traceroute with the same waits (-w 2,3,10); and five
# report rounds one second apart against mtr's report. Median wall time of RUNS runs each
# (ip netns exec included). Writes its table into docs/benchmarks.md (the section between the
# silent-hop markers) with the date, the commit and the command. Needs root.
# Usage: bench/silent_hop_vs_peers.sh BUILD_DIR [RUNS]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tests/lab/netlab.sh"
lab_require_root
build=$1
runs=${2:-5}
for tool in traceroute mtr; do
  command -v "$tool" > /dev/null || { echo "$tool is not installed: run scripts/install-deps"; exit 1; }
done
lab_up "$here/../tests/lab/topologies/line.topo" > /dev/null
trap lab_down EXIT
lab_silence r2
target=$(lab_addr server:4 4)
client=$build/client/reverse-traceroute

median_ms() {  # median wall time in ms of running "$@" $runs times in the client namespace
  local times=() start
  for _ in $(seq "$runs"); do
    start=$(date +%s%N)
    lab_exec client "$@" > /dev/null 2>&1
    times+=($(( ($(date +%s%N) - start) / 1000000 )))
    sleep 1  # the routers' ICMP rate limits refill between runs
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

adaptive=$(median_ms "$client" -n -w 2 forward udp singlepath "$target")
fixed=$(median_ms "$client" -n -w 2,0,0 forward udp singlepath "$target")
traceroute_ms=$(median_ms traceroute -n -U -q 3 -N 16 -w 2,3,10 "$target")
report=$(median_ms "$client" -n -w 2 -c 5 --interval 1 forward udp singlepath "$target")
report_fixed=$(median_ms "$client" -n -w 2,0,0 -c 5 --interval 1 forward udp singlepath "$target")
mtr_ms=$(median_ms mtr -n -u -r -c 5 -i 1 "$target")

table=$(cat <<TABLE
Line topology, r2 silent, UDP, median of $runs runs, whole-process wall time:

| run | reverse-traceroute | adaptive off (-w 2,0,0) | peer | ratio to the peer |
|---|---|---|---|---|
| forward trace, -w 2 | $adaptive ms | $fixed ms | traceroute -w 2,3,10: $traceroute_ms ms | $(ratio "$adaptive" "$traceroute_ms") |
| 5 rounds, 1 s apart | $report ms | $report_fixed ms | mtr -r -c 5 -i 1: $mtr_ms ms | $(ratio "$report" "$mtr_ms") |
TABLE
)
echo "$table"
echo "$table" | python3 "$here/doc_section.py" silent-hop "A silent router: reverse-traceroute vs traceroute and mtr" \
  "sudo bash bench/silent_hop_vs_peers.sh build $runs"
