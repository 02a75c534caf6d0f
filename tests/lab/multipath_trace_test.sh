#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Lab test of multipath discovery with the real server, the kernel doing the load balancing:
# - diamond and wide topologies, IPv4 and IPv6, UDP and TCP, two-way: the forward and the
#   reverse graph equal the ground truth (every vertex and link, no false one);
# - ICMP (which Linux does not spread over ECMP): one true path each way;
# - a silent router inside the diamond: a black hole, and every vertex after it still found;
# - Linux's default ICMP rate limits on every router: the diamond still complete and correct;
# - every stored measurement validates against docs/measurement.schema.json;
# - the two-way diamond drawn as SVG: well-formed XML (xmllint), both clusters, every true address;
# - confidence: the wide topology under new hash seeds, a handful of trials at the default
#   --confidence 0.05; the share of missed branching points must not exceed what a 5% miss
#   chance allows (the 99th percentile of the binomial), the full statistic is
#   bench/multipath_confidence.sh.
# The runs that must find the exact graph use --confidence 0.00001: at the default 5% a correct
# engine misses a branch now and then by design, and a test must not fail by chance.
# Usage: multipath_trace_test.sh BUILD_DIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=netlab.sh
source "$here/netlab.sh"
lab_require_root

build=$1
server_bin="$build/server/reverse-traceroute-server"
client_bin="$build/client/reverse-traceroute"
check_bin="$build/tests/lab/lab-graph-check"
tmp=$(mktemp -d)
trap 'lab_down; rm -rf "$tmp"' EXIT

LAB_SERVER_LOG=$tmp/server.log
# The server on its only interface.
start_server() {
  lab_start_server "$server_bin" "$(lab_only_iface server)" || fail "the server did not attach: $(cat "$LAB_SERVER_LOG")"
}

# trace LABEL FILE ARGS...: a two-way multipath trace stored as FILE.json; fails on a bad exit.
trace() {
  local label=$1 base=$2; shift 2
  local rc
  lab_exec client timeout 120 "$client_bin" -n "$@" > "$base.txt" 2>&1
  rc=$?
  checks=$((checks + 1))
  [ "$rc" -eq 0 ] || fail "$label: exit code $rc: $(tail -3 "$base.txt")"
}

# graph_matches LABEL TOPOLOGY DIRECTION FAMILY JSON [checker options]: the graph equals the
# truth, and the document keeps the measurement schema.
graph_matches() {
  local label=$1; shift
  local out
  checks=$((checks + 2))
  out=$("$check_bin" "$@") || fail "$label: $out"
  out=$(lab_schema_valid "$4") || fail "$label: not a valid measurement: $out"
}

# The 99th percentile of Binomial(N, P): more misses than this are unlikely (1%) from an
# engine that keeps its promised miss chance P per branching point.
binomial_p99() {
  awk -v n="$1" -v p="$2" 'BEGIN {
    term = (1 - p) ^ n; sum = term
    for (k = 0; sum < 0.99 && k < n; k++) { term *= (n - k) / (k + 1) * p / (1 - p); sum += term }
    print k
  }'
}

server_address() {  # the server's address on its only link
  local link
  link=$(awk '$1 == "link" && ($3 == "server" || $4 == "server") { print $2 }' "$1")
  lab_addr "server:$link" "$2"
}

for topo in ${MULTIPATH_TOPOLOGIES:-diamond wide}; do
  file="$here/topologies/$topo.topo"
  lab_up "$file"
  trap 'lab_down; rm -rf "$tmp"' EXIT
  start_server
  for family in 4 6; do
    target=$(server_address "$file" "$family")
    for protocol in udp tcp; do
      label="$topo v$family $protocol"
      base="$tmp/$topo-$family-$protocol"
      trace "$label" "$base" -w 1 --store-json -o "$base" two-way "$protocol" multipath --confidence 0.00001 "$target"
      for direction in forward reverse; do
        graph_matches "$label $direction" "$file" "$direction" "$family" "$base.json"
      done
    done
    label="$topo v$family icmp"
    base="$tmp/$topo-$family-icmp"
    trace "$label" "$base" -w 1 --store-json -o "$base" two-way icmp multipath "$target"
    for direction in forward reverse; do
      graph_matches "$label $direction" "$file" "$direction" "$family" "$base.json" --single-path
    done
  done

  if [ "$topo" = wide ]; then
    # A handful of confidence trials: each with a new flow→path mapping on every router.
    branching=0 missed=0
    trials=${MULTIPATH_TRIALS:-5}
    for trial in $(seq "$trials"); do
      lab_reseed "$((LAB_HASH_SEED + trial))"
      base="$tmp/trial-$trial"
      trace "confidence trial $trial" "$base" -w 1 --store-json -o "$base" forward udp multipath \
        "$(server_address "$file" 4)"
      "$check_bin" "$file" forward 4 "$base.json" > "$base.check"
      read -r b m < <(awk '/^branching points:/ { gsub(",", ""); print $3, $5 }' "$base.check")
      branching=$((branching + b)) missed=$((missed + m))
    done
    limit=$(binomial_p99 "$branching" 0.05)
    checks=$((checks + 1))
    echo "confidence: $missed of $branching branching points missed in $trials trials (allowed: $limit)"
    [ "$missed" -le "$limit" ] || fail "confidence: $missed of $branching branching points missed, more than $limit"
  fi

  if [ "$topo" = diamond ]; then
    target=$(server_address "$file" 4)
    # The drawing: one SVG with a cluster per direction, well-formed XML, every true address.
    base="$tmp/drawn"
    trace "drawn" "$base" --format svg -o "$base" two-way udp multipath --confidence 0.00001 "$target"
    checks=$((checks + 1))
    if ! xmllint --noout "$base.svg" 2> "$base.xml-errors"; then
      fail "the SVG graph is not well-formed XML: $(head -3 "$base.xml-errors")"
    else
      for title in "forward udp multipath" "reverse udp multipath"; do
        grep -q "$title" "$base.svg" || fail "the SVG graph has no '$title' cluster"
      done
      for hop in $(lab_truth "$file" forward) $(lab_truth "$file" reverse); do
        for alternative in ${hop//|/ }; do
          grep -q ">$(lab_addr "$alternative" 4)<" "$base.svg" || fail "the SVG graph lacks $(lab_addr "$alternative" 4)"
        done
      done
    fi
    # r2a silent: a black hole in both directions, the vertices after it still found.
    lab_silence r2a
    base="$tmp/silent"
    trace "silent r2a" "$base" -w 0.5 --store-json -o "$base" two-way udp multipath --retry 1 \
      --confidence 0.00001 "$target"
    graph_matches "silent r2a forward" "$file" forward 4 "$base.json" --silent r2a
    graph_matches "silent r2a reverse" "$file" reverse 4 "$base.json" --silent r2a
    lab_exec r2a nft delete table inet silent
    # Linux's default ICMP rate limits on every router and host: still complete and correct.
    # Fixed hash seeds and flows make the flow→path mapping repeatable; 99% confidence keeps the
    # answers every router must give (at one per second) within a sensible time.
    lab_default_icmp_limits
    lab_reseed 20261123
    sleep 6  # buckets drained while limits were off refill: these routers have not seen us lately
    base="$tmp/ratelimited"
    start=$(date +%s%N)
    trace "rate limited" "$base" --store-json -o "$base" two-way udp multipath --confidence 0.01 \
      --first-flow 20000 "$target"
    echo "rate limited diamond, two-way: $(( ($(date +%s%N) - start) / 1000000 )) ms"
    graph_matches "rate limited forward" "$file" forward 4 "$base.json"
    graph_matches "rate limited reverse" "$file" reverse 4 "$base.json"
  fi
  lab_stop_server
  lab_down
done

lab_summary
