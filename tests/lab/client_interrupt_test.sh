#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Lab test: a trace stopped before its end keeps what it found (issue 15). On the asymmetric
# topology r2 (on the way out only) is silenced and the probe timeout is long, so the reverse
# direction finishes at once and the forward one waits for r2. Ctrl-C (SIGINT), SIGTERM and
# --deadline then end the run: the text and the JSON (stdout, and BASE.json with --store-json)
# hold the finished reverse trace as "reached" and the forward one as "interrupted" with the hops
# that answered, the JSON keeps the schema, and the exit code says what happened (130, 143, 1).
# The waits do not adapt here (-w 30,0,0): r2 must keep the forward trace waiting. With --json
# (stdout carries the JSON alone) stderr still says which direction was interrupted.
# Single path and multipath both. (Before, Ctrl-C ended such a run with 130 and nothing at all.)
# Usage: client_interrupt_test.sh BUILD_DIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=netlab.sh
source "$here/netlab.sh"
lab_require_root

build=$1
server_bin="$build/server/reverse-traceroute-server"
client_bin="$build/client/reverse-traceroute"
tmp=$(mktemp -d)
trap 'lab_down; rm -rf "$tmp"' EXIT
LAB_SERVER_LOG=$tmp/server.log

file="$here/topologies/asymmetric.topo"
lab_up "$file"
lab_start_server "$server_bin" "$(lab_only_iface server)" || fail "the server did not attach: $(cat "$LAB_SERVER_LOG")"
lab_silence r2
target=$(lab_addr server:4 4)

# interrupted LABEL SIGNAL EXPECTED_RC ENGINE [engine options]: runs a two-way trace in the client
# namespace (with the options in $global before the direction), sends SIGNAL after 3 s (none:
# --deadline ends it), and checks what it kept; $why is the cause the text must give.
interrupted() {
  local label=$1 signal=$2 want_rc=$3 engine=$4; shift 4
  local base="$tmp/$label" rc start elapsed
  start=$(date +%s%N)
  # `ip netns exec` execs the client, so $! is the client itself.
  # shellcheck disable=SC2086 # $global is a list of words
  local output=(--store-json -o "$base")
  [ "${as_json:-}" = yes ] && output+=(--json)
  ip netns exec "$(lab_ns client)" "$client_bin" -n -w 30,0,0 "${output[@]}" ${global:-} \
    two-way udp "$engine" "$@" "$target" > "$base.out" 2> "$base.err" &
  local pid=$!
  if [ "$signal" != none ]; then
    sleep 3
    kill "-$signal" "$pid"
  fi
  wait "$pid"
  rc=$?
  elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
  checks=$((checks + 1))
  [ "$rc" -eq "$want_rc" ] || fail "$label: exit code $rc, expected $want_rc: $(tail -3 "$base.err")"
  checks=$((checks + 1))
  [ "$elapsed" -lt 10000 ] || fail "$label: took $elapsed ms (the forward probes wait 30 s)"
  local documents=("$base.json")
  [ "${as_json:-}" = yes ] && documents+=("$base.out")
  for json in "${documents[@]}"; do
    checks=$((checks + 1))
    out=$(lab_schema_valid "$json") || { fail "$label: $(basename "$json") is not a valid measurement: $out"; continue; }
    checks=$((checks + 1))
    # Single path probes every TTL at once: the hops past r2 answered and are kept. Multipath
    # goes hop by hop: r1 is what it has found when r2 keeps it waiting.
    local kept=("$(lab_addr r1:1 4)")
    [ "$engine" = singlepath ] && kept+=("$(lab_addr r3:3 4)" "$target")
    python3 - "$json" "${kept[@]}" <<'PY' || fail "$label: $(basename "$json"): $(head -c 400 "$json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["outcome"] == {"forward": "interrupted", "reverse": "reached"}, d["outcome"]
forward = {v["address"] for v in d["traces"]["forward"]}
assert set(sys.argv[2:]) <= forward, f"forward hops kept: {sorted(forward)}, expected {sys.argv[2:]}"
assert len(d["traces"]["reverse"]) >= 4, "the reverse trace is whole"
PY
  done
  checks=$((checks + 1))
  if [ "${as_json:-}" = yes ]; then
    grep -q "^reverse-traceroute: forward: interrupted ($why)" "$base.err" ||
      fail "$label: no 'forward: interrupted ($why)' line on stderr: $(cat "$base.err")"
  else
    grep -q "^forward: interrupted ($why)" "$base.out" || fail "$label: no 'forward: interrupted ($why)' line: $(cat "$base.out")"
    checks=$((checks + 1))
    grep -q "^reverse: the server's probes reached us" "$base.out" || fail "$label: the finished reverse trace is not shown"
    # Issue 26: Ctrl-C printed the destination twice (at its hop and the one after it).
    checks=$((checks + 1))
    local shown
    shown=$(awk -v t="$target" '$1 == "forward" { on = 1; next } /^(forward|reverse)/ { on = 0 }
                                on && $1 ~ /^[0-9]+$/ && $2 == t' "$base.out" | wc -l)
    [ "$engine" = multipath ] || [ "$shown" -eq 1 ] || fail "$label: the destination is shown at $shown hops: $(cat "$base.out")"
  fi
}

why=Ctrl-C interrupted singlepath-sigint INT 130 singlepath
why=Ctrl-C as_json=yes interrupted singlepath-sigint-json INT 130 singlepath
why=SIGTERM interrupted singlepath-sigterm TERM 143 singlepath
why=--deadline global="--deadline 3" interrupted singlepath-deadline none 1 singlepath
why=Ctrl-C interrupted multipath-sigint INT 130 multipath --retry 1
why=--deadline global="--deadline 3" interrupted multipath-deadline none 1 multipath --retry 1

lab_stop_server
lab_summary
