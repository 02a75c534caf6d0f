#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Lab test of what a person meets in the first hour (issue 26), on the line topology:
# - both directions readable in 80 and 120 columns, in the live view and in the report printed
#   after q (stacked, names shortened; no line wraps);
# - a silent router (r2) costs a few RTTs, not the whole -w (with the adaptive wait off it costs
#   2 x -w again), and -c 5 keeps close to its --interval;
# - the server's own host is told it is its own host; an undeliverable request (no route to
#   198.18.99.1) fails at once with the router's word; a two-way trace to a host without a
#   server says which half failed and exits 3; --json writes nothing but the JSON; -o NAME.json
#   writes NAME.json;
# - the server's command line: bad options exit 2 in one sentence, -t 5 (5 ns) is refused with
#   the unit explained, --help shows no CLI11 type names, -v shows no libbpf exclusivity noise.
# Usage: first_hour_test.sh BUILD_DIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=netlab.sh
source "$here/netlab.sh"
lab_require_root

build=$1
server_bin="$build/server/reverse-traceroute-server"
client_bin="$build/client/reverse-traceroute"
tmp=$(mktemp -d)
session=rtt-first-$$
trap 'tmux kill-session -t "$session" 2>/dev/null; lab_down; rm -rf "$tmp"' EXIT

file="$here/topologies/line.topo"
lab_up "$file"
server_iface=$(lab_only_iface server)
LAB_SERVER_LOG=$tmp/server.log
lab_start_server "$server_bin" "$server_iface" || fail "the server did not attach: $(cat "$LAB_SERVER_LOG")"
target=$(lab_addr server:4 4)
elapsed_ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# 1. Both directions at 80 and 120 columns, with names long enough to need shortening.
lab_hosts client "$(lab_addr r1:1 4) core-router-1.frankfurt.backbone.example.net" \
  "$(lab_addr r3:3 4) core-router-3.frankfurt.backbone.example.net" \
  "$(lab_addr r1:2 4) core-router-1-west.frankfurt.backbone.example.net"
for columns in 80 120; do
  rc_file=$tmp/live-$columns.rc
  LAB_TMUX_COLUMNS=$columns lab_tmux_client "$session" "$rc_file" "$client_bin" -w 0.5 --live --interval 0.2 "$target"
  checks=$((checks + 2))
  lab_tmux_wait_for "$session" "^reverse: back from" || fail "$columns columns: live view without the reverse side: $(lab_tmux_screen "$session")"
  lab_tmux_wait_for "$session" "^forward: to" || fail "$columns columns: live view without the forward side: $(lab_tmux_screen "$session")"
  tmux send-keys -t "$session" q
  checks=$((checks + 1))
  [ "$(lab_tmux_exit_code "$rc_file")" = 0 ] || fail "$columns columns: q did not end the live view"
  # The report after q: -J joins wrapped lines, so a line longer than the pane shows as one.
  report=$(tmux capture-pane -p -J -t "$session" -S -100)
  checks=$((checks + 3))
  grep -q "^reverse: back from" <<< "$report" || fail "$columns columns: the report after q lacks the reverse side: $report"
  grep -q "^  1  core-router-1\.frankfurt\.\.\.\| ^  1  core-router-1.frankfurt.backbone.example.net" <<< "$report" ||
    grep -q "^  1  core-router-1" <<< "$report" || fail "$columns columns: hop 1's name is missing: $report"
  longest=$(awk '{ if (length($0) > n) n = length($0) } END { print n + 0 }' <<< "$report")
  [ "$longest" -le "$columns" ] || fail "$columns columns: a report line of $longest columns wraps: $report"
  tmux kill-session -t "$session" 2> /dev/null
done

# 2. A silent router: adaptive waits against the whole timeout, and rounds that keep time.
lab_silence r2
timed() {  # timed NAME ARGS...: runs the client, sets rc and ms
  local name=$1 start; shift
  start=$(date +%s%N)
  lab_exec client "$client_bin" "$@" > "$tmp/$name.out" 2> "$tmp/$name.err"
  rc=$?
  ms=$(elapsed_ms "$start")
}
timed adaptive -n -w 2 forward "$target"
checks=$((checks + 2))
[ "$rc" -eq 0 ] && grep -q "^ *2  \* \* \*" "$tmp/adaptive.out" || fail "silent r2: exit $rc: $(cat "$tmp/adaptive.out" "$tmp/adaptive.err")"
[ "$ms" -lt 1000 ] || fail "silent r2: forward took $ms ms with adaptive waits (the whole -w is 2000 ms)"
echo "silent r2, forward: $ms ms with adaptive waits"
timed fixed -n -w 2,0,0 forward "$target"
checks=$((checks + 1))
[ "$ms" -ge 4000 ] || fail "silent r2 with -w 2,0,0: $ms ms, expected the whole timeout twice"
echo "silent r2, forward: $ms ms with -w 2,0,0 (adaptive off)"
timed rounds -n -w 2 -c 5 --interval 1 forward "$target"
checks=$((checks + 1))
[ "$rc" -eq 0 ] && [ "$ms" -lt 8000 ] || fail "silent r2: -c 5 --interval 1 took $ms ms (exit $rc)"
echo "silent r2, forward -c 5 --interval 1: $ms ms"
lab_exec r2 nft delete table inet silent

# 3. Failures said at once and plainly.
out=$(lab_exec server "$client_bin" -n -w 1 reverse "$target" 2>&1); rc=$?
checks=$((checks + 1))
[ "$rc" -eq 1 ] && grep -q "is this host's own address.*trace from another machine" <<< "$out" ||
  fail "reverse from the server's own host: exit $rc: $out"
sleep 3  # r1's ICMP rate limit (1/s, burst 6) refills after the rounds above
timed unreachable -n -w 2 198.18.99.1
checks=$((checks + 3))
[ "$rc" -eq 3 ] || fail "two-way to an unroutable address: exit $rc, expected 3: $(cat "$tmp/unreachable.out" "$tmp/unreachable.err")"
grep -Eq "reverse: failed: the request (did not|cannot) reach 198.18.99.1: .* answered network unreachable \(!N\)" "$tmp/unreachable.out" ||
  fail "two-way to an unroutable address: no sentence naming the router: $(cat "$tmp/unreachable.out")"
[ "$ms" -lt 1500 ] || fail "two-way to an unroutable address took $ms ms"
echo "two-way to an unroutable address: $ms ms, exit $rc"
sleep 1  # r1's ICMP rate limit refills
timed unreachable_reverse -n -w 2 reverse 198.18.99.1
checks=$((checks + 2))
[ "$rc" -eq 1 ] && grep -q "reverse: failed: the request did not reach 198.18.99.1: .* answered network unreachable (!N)" \
  "$tmp/unreachable_reverse.out" || fail "reverse to an unroutable address: exit $rc: $(cat "$tmp/unreachable_reverse.out")"
[ "$ms" -lt 1000 ] || fail "reverse to an unroutable address took $ms ms"
echo "reverse to an unroutable address: $ms ms, exit $rc"
router=$(lab_addr r3:4 4)
timed no_server -n -w 1 "$router"
checks=$((checks + 2))
[ "$rc" -eq 3 ] || fail "two-way to a router without a server: exit $rc, expected 3"
grep -q "the forward trace is complete, the reverse trace failed (exit status 3)" "$tmp/no_server.err" &&
  grep -q "reverse: failed: .*runs no reverse traceroute server.*reverse-traceroute --endpoints" "$tmp/no_server.out" ||
  fail "two-way to a router without a server: $(cat "$tmp/no_server.out" "$tmp/no_server.err")"
timed json -n -w 1 --json "$target"
checks=$((checks + 2))
[ "$rc" -eq 0 ] && [ ! -s "$tmp/json.err" ] || fail "--json: exit $rc, stderr: $(cat "$tmp/json.err")"
out=$(lab_schema_valid "$tmp/json.out") || fail "--json: $out"
timed named_json -n -w 1 -o "$tmp/t.json" forward "$target"
checks=$((checks + 1))
[ -f "$tmp/t.json" ] && [ ! -e "$tmp/t.json.pdf" ] && [ ! -e "$tmp/t.json.json" ] ||
  fail "-o t.json: $(ls "$tmp" | grep '^t\.')"

# 4. The server's command line.
out=$(lab_exec server "$server_bin" --bogus "$server_iface" 2>&1); rc=$?
checks=$((checks + 1))
[ "$rc" -eq 2 ] && [ "$(wc -l <<< "$out")" -eq 1 ] && grep -q "see reverse-traceroute-server --help" <<< "$out" ||
  fail "server with a bad option: exit $rc: $out"
out=$(lab_exec server "$server_bin" -t 5 "$server_iface" 2>&1); rc=$?
checks=$((checks + 1))
[ "$rc" -eq 2 ] && grep -q -- "-t 5 is 5ns, outside 1ms to 10m (a plain number is nanoseconds" <<< "$out" ||
  fail "server -t 5: exit $rc: $out"
checks=$((checks + 1))
! "$server_bin" --help | grep "UINT" > /dev/null || fail "server --help shows CLI11 type names: $("$server_bin" --help | grep UINT)"
lab_stop_server
# The clsact qdisc stays after the first server; a verbose one must not show libbpf's complaint.
LAB_SERVER_LOG=$tmp/verbose.log lab_start_server "$server_bin" "$server_iface" -v -t 500ms ||
  fail "the verbose server did not attach: $(cat "$tmp/verbose.log")"
lab_stop_server
checks=$((checks + 2))
grep -q "timeout 500ms" "$tmp/verbose.log" || fail "server start line: $(head -3 "$tmp/verbose.log")"
! grep -q "Exclusivity" "$tmp/verbose.log" || fail "-v shows libbpf noise: $(grep Exclusivity "$tmp/verbose.log")"

lab_summary
