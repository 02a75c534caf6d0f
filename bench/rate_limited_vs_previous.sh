#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Multipath under Linux's default ICMP rate limits, this build against a previous one: forward UDP
# multipath across the diamond, RUNS runs of each build alternating in one lab, 7 s apart so every
# router's bucket is full. Each run draws new flows, and the time depends on how many probes
# they need at the limited hops (6 to 13 s here), so compare medians of many runs, not of five.
# Writes its table into docs/benchmarks.md (the rate-limited-vs-previous section). Needs root.
# Usage: bench/rate_limited_vs_previous.sh BUILD_DIR PREVIOUS_BUILD [RUNS]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tests/lab/netlab.sh"
lab_require_root
build=$1 previous=$2 runs=${3:-8}
tmp=$(mktemp -d)
lab_up "$here/../tests/lab/topologies/diamond.topo" > /dev/null
trap 'lab_down; rm -rf "$tmp"' EXIT
lab_default_icmp_limits
declare -A times probes
for i in $(seq "$runs"); do
  for which in this previous; do
    dir=$build; [ "$which" = previous ] && dir=$previous
    sleep 7
    start=$(date +%s%N)
    lab_exec client "$dir/client/reverse-traceroute" -n --json forward udp multipath 198.18.6.2 > "$tmp/m.json" 2> /dev/null
    times[$which]+="$(( ($(date +%s%N) - start) / 1000000 )) "
    probes[$which]+="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["probes"]["forward"]["sent"])' "$tmp/m.json") "
  done
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
sorted() { tr ' ' '\n' | grep . | sort -n | tr '\n' ' '; }
table="Diamond, Linux's default ICMP rate limits on every node, forward UDP multipath, $runs runs of each build
alternating in one lab (previous build: $(git -C "$previous/.." describe --always 2> /dev/null || echo "$previous")):

| build | median time | times (ms, sorted) | probes (sorted) |
|---|---|---|---|
| this | $(median <<< "${times[this]}") ms | $(sorted <<< "${times[this]}") | $(sorted <<< "${probes[this]}") |
| previous | $(median <<< "${times[previous]}") ms | $(sorted <<< "${times[previous]}") | $(sorted <<< "${probes[previous]}") |"
echo "$table"
python3 "$here/doc_section.py" rate-limited-vs-previous "Multipath under rate limits: this build against the previous one" \
  "sudo bash bench/rate_limited_vs_previous.sh build PREVIOUS_BUILD $runs" <<< "$table"
