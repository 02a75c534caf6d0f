#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Multipath discovery when one branch router loses answers at random (not a rate limit): on the
# lab diamond, r2a drops 30% of the ICMP errors it sends toward the server (nft numgen), and a
# two-way UDP multipath trace at --confidence 0.00001 runs RUNS times. Reports each run's time,
# the reverse probes sent and whether the reverse graph found all six vertices. Writes its table
# into docs/benchmarks.md (the lossy-hop-discovery section). Needs root.
# Usage: bench/lossy_hop_discovery.sh BUILD_DIR [RUNS]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tests/lab/netlab.sh"
lab_require_root
build=$1 runs=${2:-4}
tmp=$(mktemp -d)
lab_up "$here/../tests/lab/topologies/diamond.topo" > /dev/null
trap 'lab_down; rm -rf "$tmp"' EXIT
server_link=$(lab_link_between server r3)
LAB_SERVER_LOG=$tmp/server.log
lab_start_server "$build/server/reverse-traceroute-server" "$(lab_only_iface server)" || { cat "$tmp/server.log"; exit 1; }
target=$(lab_addr "server:$server_link" 4)
lab_exec r2a nft add table inet lossy
lab_exec r2a nft add chain inet lossy out '{ type filter hook output priority 0; }'
lab_exec r2a nft add rule inet lossy out ip daddr "$target" icmp type time-exceeded numgen random mod 100 '<' 30 drop
rows=""
for i in $(seq "$runs"); do
  start=$(date +%s%N)
  lab_exec client timeout 600 "$build/client/reverse-traceroute" -n --json two-way udp multipath --confidence 0.00001 \
    "$target" > "$tmp/m.json" 2> /dev/null
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  rows+="| $i | $(awk -v ms="$ms" 'BEGIN { printf "%.1f", ms / 1000 }') s | $(python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
answered = {v["address"] for v in m["traces"]["reverse"] if v["address"] != "***"}
print(m["probes"]["reverse"]["sent"], "|", len(answered) - 1)' "$tmp/m.json") |
"
done
table="Lab diamond, r2a drops 30% of its ICMP errors toward the server at random, two-way UDP multipath at
--confidence 0.00001, $runs runs (the reverse graph has 6 vertices besides its root):

| run | time | reverse probes | reverse vertices |
|---|---|---|---|
$rows"
echo "$table"
python3 "$here/doc_section.py" lossy-hop-discovery "Multipath discovery with random loss at one hop" \
  "sudo bash bench/lossy_hop_discovery.sh build $runs" <<< "$table"
