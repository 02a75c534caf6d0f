#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Lab test of the server's safety, as an operator and an attacker would try it (issue 13):
# 1. On a router in the middle (r3 of the line): marker traffic between two other hosts (an
#    echo reply with sequence 0xFFFF, ICMP errors quoting a UDP probe from port 1021 and an
#    echo probe, SYN-ACK and RST-ACK to port 1021, a request to another host) arrives at the
#    far host byte for byte, but for the TTL and IPv4 header checksum that forwarding changes.
#    The router still answers requests to its own address. IPv4 and IPv6.
# 2. A flood: a second address of the client floods requests as fast as one socket sends, for
#    5 s and until the trace is over, while the client's own address completes a reverse
#    multipath trace of the diamond that equals the ground truth.
# 3. Fair shares: five sources hold pending sessions (their probes go unanswered); each holds at
#    most its --source-sessions and is told "busy" (state 6) past it, and another source's trace
#    still completes. When the table itself is full, the client says the server is busy, in one
#    sentence and with a non-zero exit, instead of printing stars.
# Usage: server_safety_test.sh BUILD_DIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=netlab.sh
source "$here/netlab.sh"
lab_require_root

build=$1
server_bin="$build/server/reverse-traceroute-server"
client_bin="$build/client/reverse-traceroute"
packets_bin="$build/tests/lab/lab-packets"
requester_bin="$build/tests/lab/lab-requester"
check_bin="$build/tests/lab/lab-graph-check"
tmp=$(mktemp -d)
flood_pid=
cleanup() {
  [ -z "$flood_pid" ] || kill -TERM "$flood_pid" 2>/dev/null
  lab_down
  rm -rf "$tmp"
}
trap cleanup EXIT
LAB_SERVER_LOG=$tmp/server.log

# What forwarding changes: the TTL / hop limit, and the IPv4 header checksum.
forwarded_form() {  # hex of an IP packet -> the same with those bytes zeroed
  local p=$1
  if [ "${p:0:1}" = 4 ]; then
    echo "${p:0:16}00${p:18:2}0000${p:24}"
  else
    echo "${p:0:14}00${p:16}"
  fi
}

# --- 1. a router in the middle -------------------------------------------------------------
file="$here/topologies/line.topo"
lab_up "$file"
trap cleanup EXIT
LAB_SERVER_NODE=r3 lab_start_server "$server_bin" r2 ||
  fail "the server did not attach on the router: $(cat "$LAB_SERVER_LOG")"
for family in 4 6; do
  client=$(lab_addr client:1 "$family")
  far=$(lab_addr server:4 "$family")
  lab_exec server "$packets_bin" capture 3 > "$tmp/captured-$family" &
  capture_pid=$!
  for _ in $(seq 30); do grep -q ready "$tmp/captured-$family" 2>/dev/null && break; sleep 0.1; done
  lab_exec client "$packets_bin" markers "$client" "$far" > "$tmp/sent-$family" ||
    fail "v$family: could not send the marker packets"
  wait "$capture_pid"
  while read -r sent; do
    checks=$((checks + 1))
    expected=$(forwarded_form "$sent")
    found=no
    while read -r got; do
      [ "$got" = ready ] && continue
      [ "$(forwarded_form "$got")" = "$expected" ] && { found=yes; break; }
    done < "$tmp/captured-$family"
    [ "$found" = yes ] || fail "v$family transit through the router running the server: not delivered as sent: $sent"
  done < "$tmp/sent-$family"
  # The router still serves requests to its own address.
  out=$(lab_exec client "$requester_bin" --protocol udp --max-ttl 2 "$(lab_addr r3:3 "$family")")
  checks=$((checks + 1))
  [ "$(awk '$2 != "*" && $2 != "state"' <<< "$out" | wc -l)" -eq 2 ] ||
    fail "v$family: the router running the server does not answer its own requests: $out"
done
lab_stop_server
grep -q "passed=" "$LAB_SERVER_LOG" || fail "the router's server printed no counters"
checks=$((checks + 1))
grep "counters at exit" "$LAB_SERVER_LOG" | grep " unmatched=0 " > /dev/null ||
  fail "the router's server dropped transit traffic as unmatched: $(grep 'counters at exit' "$LAB_SERVER_LOG")"
lab_down

# --- 2. a flood, and 3. fair shares, on the diamond ------------------------------------------
file="$here/topologies/diamond.topo"
lab_up "$file"
trap cleanup EXIT
: > "$LAB_SERVER_LOG"
lab_start_server "$server_bin" r3 || fail "the server did not attach: $(cat "$LAB_SERVER_LOG")"
target=$(lab_addr server:6 4)
lab_exec client ip addr add 198.18.1.99/24 dev r1
# The flood runs at least 5 s and until the trace is over, however long a loaded machine takes.
# Not through lab_exec: $! must be lab-packets itself (ip netns exec execs it), to signal it.
ip netns exec "$(lab_ns client)" "$packets_bin" flood --source 198.18.1.99 --seconds 120 "$target" > "$tmp/flood" &
flood_pid=$!
flood_start=$SECONDS
sleep 0.5
lab_exec client timeout 60 "$client_bin" -n -w 1 --store-json -o "$tmp/under-flood" reverse udp multipath \
  --confidence 0.00001 "$target" > "$tmp/under-flood.txt" 2>&1
rc=$?
trace_took=$((SECONDS - flood_start))
flood_running=no
kill -0 "$flood_pid" 2>/dev/null && flood_running=yes
while [ $((SECONDS - flood_start)) -lt 6 ]; do sleep 0.2; done  # SECONDS counts whole seconds
kill -TERM "$flood_pid" 2>/dev/null  # lab-packets stops and prints its count
wait "$flood_pid"
flood_pid=
echo "flood: $(cat "$tmp/flood"); the trace took about $trace_took s, the flood still running at its end: $flood_running"
checks=$((checks + 3))
[ "$rc" -eq 0 ] || fail "the trace under a flood exited $rc: $(tail -3 "$tmp/under-flood.txt")"
[ "$flood_running" = yes ] || fail "the flood stopped before the trace ended: $(cat "$tmp/flood")"
out=$("$check_bin" "$file" reverse 4 "$tmp/under-flood.json") || fail "the reverse graph under a flood: $out"
lab_stop_server
checks=$((checks + 1))
counters=$(grep "counters at exit" "$LAB_SERVER_LOG")
rate_limited=$(grep -o ' rate_limited=[0-9]*' <<< "$counters" | cut -d= -f2)
[ "${rate_limited:-0}" -gt 1000 ] || fail "the flood was not rate-limited: $counters"

# Fair shares: pending sessions that no answer ends (the client drops the probes to them).
: > "$LAB_SERVER_LOG"
lab_start_server "$server_bin" r3 -n 300 --source-sessions 50 -t 30s ||
  fail "the server did not attach: $(cat "$LAB_SERVER_LOG")"
lab_exec client nft -f - <<'EOF'
table inet lab_silent {
  chain input {
    type filter hook input priority 0;
    ip daddr 198.18.1.100-198.18.1.120 udp sport 1021 drop
  }
}
EOF
hold() {  # hold SOURCE: 60 requests whose probes stay unanswered; prints "sent N busy B answered A"
  lab_exec client ip addr add "$1/24" dev r1 2>/dev/null
  lab_exec client "$packets_bin" flood --source "$1" --count 60 --ttl 10 "$target"
}
for n in 101 102 103 104 105; do
  out=$(hold "198.18.1.$n")
  checks=$((checks + 1))
  [ "$out" = "sent 60 busy 10 answered 0" ] || fail "source .$n, share 50 of 60 requests: $out"
done
# 250 of 300 sessions held: another source is still served, and correctly.
out=$(lab_exec client timeout 30 "$client_bin" -n -w 1 reverse udp singlepath "$target" 2>&1)
rc=$?
checks=$((checks + 2))
[ "$rc" -eq 0 ] || fail "a trace beside five sources at their share exited $rc: $out"
for hop in $(lab_truth "$file" reverse); do
  grep -qE "$(lab_addr "${hop%%|*}" 4 | sed 's/\./\\./g')|$(lab_addr "${hop##*|}" 4 | sed 's/\./\\./g')" <<< "$out" ||
    { fail "a trace beside five sources at their share misses $hop: $out"; break; }
done
# Two more sources fill the table: now everyone is told the server is busy, not left guessing.
hold 198.18.1.106 > /dev/null
hold 198.18.1.107 > /dev/null
out=$(lab_exec client timeout 30 "$client_bin" -n -w 1 reverse udp singlepath "$target" 2>&1)
rc=$?
checks=$((checks + 2))
[ "$rc" -ne 0 ] || fail "a trace against a full table exited 0: $out"
grep -q "the server is busy" <<< "$out" || fail "a trace against a full table does not say the server is busy: $out"
lab_stop_server
counters=$(grep "counters at exit" "$LAB_SERVER_LOG")
echo "fair shares: $counters"
checks=$((checks + 1))
grep -q " source_share_full=[1-9]" <<< "$counters" && grep -q " table_full=[1-9]" <<< "$counters" ||
  fail "the server's counters show no share or table refusals: $counters"
lab_down

lab_summary
