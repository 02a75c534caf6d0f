#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Lab test of --per-destination with the kernel balancing: r1 of the diamond hashes layer 3 only
# (fib_multipath_hash_policy=0, Linux's default), so every flow to the server takes one of r2a
# and r2b, and only other destinations take the other.
# - without --per-destination: one path, no mark (flows cannot show the balancer);
# - with it: r1 is marked, and its other next hop is the r2 the flows did not meet; IPv4 and IPv6;
# - r1 hashing per flow again (policy 1): both branches found by flows, no mark;
# - the stored measurements validate against docs/measurement.schema.json.
# Forward traces only: no server is needed, and the other addresses (in the server's lab
# prefix) exist nowhere, so the probes to them stop at the last router.
# Usage: per_destination_test.sh BUILD_DIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=netlab.sh
source "$here/netlab.sh"
lab_require_root

build=$1
client_bin="$build/client/reverse-traceroute"
tmp=$(mktemp -d)
trap 'lab_down; rm -rf "$tmp"' EXIT
checks=0

file="$here/topologies/diamond.topo"
lab_up "$file"
trap 'lab_down; rm -rf "$tmp"' EXIT

# trace FILE ARGS...: a forward multipath trace stored as FILE.json (--confidence 0.00001: the
# per-flow case must find both branches, and 17 other addresses all hash one way with chance
# 2^-17, so the test does not fail by chance).
trace() {
  local base=$1; shift
  checks=$((checks + 1))
  lab_exec client timeout 60 "$client_bin" -n --store-json -o "$base" forward udp multipath \
    --confidence 0.00001 "$@" > "$base.txt" 2>&1 || fail "$base: exit code $?: $(tail -3 "$base.txt")"
  checks=$((checks + 1))
  out=$(lab_schema_valid "$base.json") || fail "$base: not a valid measurement: $out"
}

# describe JSON R1: "ADDRESS:NEXT,NEXT" per marked vertex, then "successors of R1: N".
describe() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
trace = json.load(open(sys.argv[1]))["traces"]["forward"]
for v in trace:
    if "other_destination_next_hops" in v:
        print(f"{v['address']}:{','.join(v['other_destination_next_hops'])}")
for v in trace:
    if v.get("address") == sys.argv[2]:
        print(f"successors of {sys.argv[2]}: {len(v['successors'])}")
PY
}

# found JSON ADDRESS: is ADDRESS a vertex of the forward graph?
found() {
  /usr/bin/python3 -c 'import json, sys
sys.exit(0 if any(v.get("address") == sys.argv[2] for v in json.load(open(sys.argv[1]))["traces"]["forward"]) else 1)' "$1" "$2"
}

for family in 4 6; do
  target=$(lab_addr server:6 "$family")
  r1=$(lab_addr r1:1 "$family")
  r2a=$(lab_addr r2a:2 "$family")
  r2b=$(lab_addr r2b:3 "$family")
  for policy in 0 1; do
    lab_exec r1 sysctl -qw net.ipv4.fib_multipath_hash_policy=$policy net.ipv6.fib_multipath_hash_policy=$policy
    base="$tmp/plain-$family-$policy"
    trace "$base" "-$family" "$target"
    plain=$(describe "$base.json" "$r1")
    base="$tmp/per-destination-$family-$policy"
    trace "$base" "-$family" --per-destination "$target"
    marked=$(describe "$base.json" "$r1")
    echo "IPv$family, hash policy $policy: without: ${plain//$'\n'/; }; with --per-destination: ${marked//$'\n'/; }"
    checks=$((checks + 1))
    if [ "$policy" = 0 ]; then
      [ "$plain" = "successors of $r1: 1" ] || fail "IPv$family policy 0 without --per-destination: $plain"
      # The one r2 the flows met is in the graph; the other is r1's mark.
      if found "$base.json" "$r2a"; then other=$r2b; else other=$r2a; fi
      expected="$r1:$other"$'\n'"successors of $r1: 1"
      [ "$marked" = "$expected" ] || fail "IPv$family policy 0 with --per-destination: got '$marked', want '$expected'"
    else
      [ "$plain" = "successors of $r1: 2" ] || fail "IPv$family policy 1 without --per-destination: $plain"
      [ "$marked" = "successors of $r1: 2" ] || fail "IPv$family policy 1 with --per-destination: $marked"
    fi
  done
done
# The text report names the balancer.
cat "$tmp/per-destination-4-0.txt"
checks=$((checks + 1))
grep -q "per-destination: other addresses leave via" "$tmp/per-destination-4-0.txt" ||
  fail "the text report does not name the per-destination balancer: $(cat "$tmp/per-destination-4-0.txt")"

lab_down
lab_summary
