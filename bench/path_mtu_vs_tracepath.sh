#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Path MTU discovery on the line topology with link 3 (r2-r3) at MTU 1280: reverse-traceroute
# --mtu against tracepath (Debian's iputils-tracepath), alternately in the same lab, IPv4 and
# IPv6, default settings of both. Counts the probes each sends (an nft counter in the client
# namespace on packets to the target) and the wall time (process start to exit), median of
# RUNS runs (after one unmeasured run; the kernel's learnt path MTUs flushed before each), and
# what each found. Twice: when r2 reports the drop (fragmentation needed /
# packet too big), and when r2's such errors are dropped (a black hole; tracepath limited to 6
# hops, as it does not look for one). Writes the figures into docs/benchmarks.md. Needs root.
# Usage: bench/path_mtu_vs_tracepath.sh BUILD_DIR [RUNS]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tests/lab/netlab.sh"
lab_require_root
build=$1
runs=${2:-5}
client_bin="$build/client/reverse-traceroute"
command -v tracepath > /dev/null || { echo "tracepath is not installed: run scripts/install-deps"; exit 1; }
tmp=$(mktemp -d)
trap 'lab_down; rm -rf "$tmp"' EXIT
lab_up "$here/../tests/lab/topologies/line.topo"
for node in r2 r3; do
  for iface in $(lab_only_iface "$node"); do
    lab_exec "$node" ip -o addr show dev "$iface" | grep " 198\.18\.3\." > /dev/null && lab_exec "$node" ip link set dev "$iface" mtu 1280
  done
done
lab_exec client nft add table inet rtt_count
lab_exec client nft add counter inet rtt_count probes
lab_exec client nft add chain inet rtt_count out "{ type filter hook output priority 0; }"
lab_exec client nft add rule inet rtt_count out ip daddr 198.18.4.2 counter name probes
lab_exec client nft add rule inet rtt_count out ip6 daddr 2001:db8:4::2 counter name probes

# measure NAME COMMAND...: RUNS runs in the client namespace; "TIME_MS PROBES" medians, and the
# last run's output in $tmp/NAME.out.
measure() {
  local name=$1; shift
  local times=() counts=() i start end
  # A first run unmeasured: the lab's neighbours are resolved after it.
  lab_exec client "$@" > /dev/null 2>&1
  for i in $(seq "$runs"); do
    # What the kernel learnt of the path in an earlier run must not answer for this one.
    lab_exec client ip -4 route flush cache
    lab_exec client ip -6 route flush cache
    lab_exec client nft reset counter inet rtt_count probes > /dev/null
    start=$(date +%s%N)
    lab_exec client "$@" > "$tmp/$name.out" 2>&1
    end=$(date +%s%N)
    times+=($(( (end - start) / 1000 )))
    counts+=("$(lab_exec client nft list counter inet rtt_count probes | awk '/packets/ { print $2 }')")
  done
  printf '%s %s\n' "$(printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "%.1f", a[int((NR + 1) / 2)] / 1000 }')" \
    "$(printf '%s\n' "${counts[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')"
}

ours_found() {  # what our JSON says: "1280 at hop 3 (too_big)"
  /usr/bin/python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))["path_mtu"]
drops = ", ".join("%d at hop %d (%s)" % (d["to"], d["ttl"], d["how"]) for d in m["drops"])
print("path MTU %d: %s" % (m["found"], drops or "no drop"))' "$1"
}

tracepath_found() {  # tracepath's summary line, e.g. "Resume: pmtu 1280 hops 4 back 4"
  grep -o "Resume:.*" "$1" | tr -s ' ' || echo "no summary: $(tail -1 "$1")"
}

scenario() {
  local label=$1 limit=$2 family target ours theirs
  echo "$label:"
  for family in 4 6; do
    target=198.18.4.2
    [ "$family" = 6 ] && target=2001:db8:4::2
    ours=$(measure "ours-$family" "$client_bin" -n --mtu --store-json -o "$tmp/ours-$family" --force forward udp singlepath "$target")
    theirs=$(measure "tracepath-$family" tracepath -n "-$family" $limit "$target")
    read -r our_ms our_probes <<< "$ours"
    read -r their_ms their_probes <<< "$theirs"
    echo "  IPv$family: reverse-traceroute --mtu ${our_ms} ms, ${our_probes} probes, $(ours_found "$tmp/ours-$family.json")"
    echo "        tracepath ${their_ms} ms, ${their_probes} probes, $(tracepath_found "$tmp/tracepath-$family.out")"
    echo "        ratio (ours / tracepath): time $(awk -v a="$our_ms" -v b="$their_ms" 'BEGIN { printf "%.2f", a / b }'), probes $(awk -v a="$our_probes" -v b="$their_probes" 'BEGIN { printf "%.2f", a / b }')"
  done
}

report=$(
  echo "path MTU discovery, line topology, link 3 (r2-r3) at MTU 1280, median of $runs runs:"
  scenario "r2 reports the drop (fragmentation needed / packet too big)" ""
  lab_exec r2 nft add table inet rtt_black_hole
  lab_exec r2 nft add chain inet rtt_black_hole out "{ type filter hook output priority 0; }"
  lab_exec r2 nft add rule inet rtt_black_hole out icmp type destination-unreachable icmp code frag-needed drop
  lab_exec r2 nft add rule inet rtt_black_hole out icmpv6 type packet-too-big drop
  scenario "r2's errors dropped: a black hole (tracepath -m 6)" "-m 6"
)
echo "$report"
python3 "$here/doc_section.py" --code path-mtu-vs-tracepath "Path MTU discovery: --mtu vs tracepath" \
  "sudo bash bench/path_mtu_vs_tracepath.sh build $runs" <<< "$report"
