#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A campaign of forward UDP multipath traces toward TARGETS addresses (1,000 by default, 10 in
# each of 100 /24s of 198.19.0.0/16, added to the server's namespace behind the lab's diamond:
# client - r1 - {r2a, r2b} - r3 - server), at one probes/s budget, against scamper running
# tracelb over the same list at the same budget (`scamper -p PPS -c "tracelb -P udp-dport" -f
# LIST`), in one run. Reports for each: wall time, traces per minute, probes per trace, and the
# traces that found both branches of the diamond. Written into docs/benchmarks.md
# (campaign-vs-scamper). Needs root.
# Usage: bench/campaign_vs_scamper.sh BUILD_DIR [TARGETS] [PPS]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tests/lab/netlab.sh"
lab_require_root
build=$1
targets=${2:-1000}
pps=${3:-1000}
client="$build/client/reverse-traceroute"
command -v scamper > /dev/null || { echo "scamper is not installed: run scripts/install-deps"; exit 1; }
tmp=$(mktemp -d)
trap 'lab_down; rm -rf "$tmp"' EXIT

lab_up "$here/../tests/lab/topologies/diamond.topo"
trap 'lab_down; rm -rf "$tmp"' EXIT
iface=$(lab_only_iface server)
# The extra prefix: routed from the client through both branches to the server.
lab_exec client ip route add 198.19.0.0/16 via "$(lab_addr r1:1 4)"
lab_exec r1 ip route add 198.19.0.0/16 nexthop via "$(lab_addr r2a:2 4)" nexthop via "$(lab_addr r2b:3 4)"
lab_exec r2a ip route add 198.19.0.0/16 via "$(lab_addr r3:4 4)"
lab_exec r2b ip route add 198.19.0.0/16 via "$(lab_addr r3:5 4)"
lab_exec r3 ip route add 198.19.0.0/16 via "$(lab_addr server:6 4)"
: > "$tmp/list"
for i in $(seq 0 $((targets - 1))); do
  address="198.19.$((i / 10)).$((10 + i % 10))"
  echo "$address" >> "$tmp/list"
done
# One `ip` process for all the addresses.
sed "s|^|address add |; s|$|/32 dev $iface|" "$tmp/list" | lab_exec server ip -batch -

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
r2a=$(lab_addr r2a:2 4); r2b=$(lab_addr r2b:3 4)

start=$(now_ms)
lab_exec client "$client" campaign --pps "$pps" --direction forward --engine multipath -O no-resolve -q \
  -o "$tmp/ours.jsonl" "$tmp/list" 2> "$tmp/ours.err"
ours_ms=$(( $(now_ms) - start ))
read -r ours_traces ours_probes ours_both < <(python3 - "$tmp/ours.jsonl" "$r2a" "$r2b" <<'PY'
import json, sys
found = [json.loads(line) for line in open(sys.argv[1])]
both = sum(1 for m in found if {sys.argv[2], sys.argv[3]} <= {v["address"] for v in m["traces"]["forward"]})
print(len(found), sum(m["probes"]["forward"]["sent"] for m in found), both)
PY
)

start=$(now_ms)
lab_exec client scamper -p "$pps" -O json -c "tracelb -P udp-dport" -f "$tmp/list" > "$tmp/scamper.json" 2> "$tmp/scamper.err"
scamper_ms=$(( $(now_ms) - start ))
read -r scamper_traces scamper_probes scamper_both < <(python3 - "$tmp/scamper.json" "$r2a" "$r2b" <<'PY'
import json, sys
traces = probes = both = 0
for line in open(sys.argv[1]):
    record = json.loads(line)
    if record.get("type") != "tracelb":
        continue
    traces += 1
    probes += record.get("probec", 0)
    # Nodes where paths branch are listed; the hops between them sit in their links.
    addresses = {node.get("addr") for node in record.get("nodes", [])}
    addresses |= {hop.get("addr") for node in record.get("nodes", []) for link in node.get("links", [])
                  for hop in link}
    both += {sys.argv[2], sys.argv[3]} <= addresses
print(traces, probes, both)
PY
)

row() {  # row NAME MS TRACES PROBES BOTH
  awk -v name="$1" -v ms="$2" -v n="$3" -v p="$4" -v b="$5" 'BEGIN {
    printf "%-28s %6.1f s  %6.0f traces/min  %6.1f probes/trace  both branches %d of %d\n",
      name, ms / 1000, n / (ms / 60000), (n ? p / n : 0), b, n }'
}
report="forward UDP multipath toward $targets addresses behind the lab's diamond, --pps $pps, one run:
$(row "reverse-traceroute campaign" "$ours_ms" "$ours_traces" "$ours_probes" "$ours_both")
$(row "scamper tracelb (-p $pps)" "$scamper_ms" "$scamper_traces" "$scamper_probes" "$scamper_both")
ratio (campaign / scamper): time $(awk -v a="$ours_ms" -v b="$scamper_ms" 'BEGIN { printf "%.3f", a / b }'), probes per trace $(awk -v a="$ours_probes" -v b="$scamper_probes" -v x="$ours_traces" -v y="$scamper_traces" 'BEGIN { printf "%.3f", (a / x) / (b / y) }')"
echo "$report"
python3 "$here/doc_section.py" --code campaign-vs-scamper "Campaigns against scamper (lab)" \
  "bash bench/campaign_vs_scamper.sh build $targets $pps" <<< "$report"
