#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Lab test of the report (-c) and the live view (--live) on the line topology, both families:
# r2 drops a known share (30%) of the ICMP errors it sends toward the server only, so only the
# server's probes (the reverse trace) lose answers there. The report must attribute that loss to
# hop 2 of the reverse direction, within a binomial bound on the probes actually sent, and show
# 0% at every other hop of both directions; its JSON statistics must say the same and keep the
# schema. Then the live view runs under tmux: it draws both directions, pauses on p, resets on
# r, switches hop 1 from its hosts-file name to its address on n, and on q leaves with the report
# printed and exit code 0.
# Usage: report_test.sh BUILD_DIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=netlab.sh
source "$here/netlab.sh"
lab_require_root

build=$1
server_bin="$build/server/reverse-traceroute-server"
client_bin="$build/client/reverse-traceroute"
drop_percent=30
rounds=${REPORT_ROUNDS:-25}

tmp=$(mktemp -d)
session=rtt-live-$$
trap 'tmux kill-session -t "$session" 2>/dev/null; lab_down; rm -rf "$tmp"' EXIT

file="$here/topologies/line.topo"
lab_up "$file"
server_link=$(lab_link_between server r3)
LAB_SERVER_LOG=$tmp/server.log
lab_start_server "$server_bin" "$(lab_only_iface server)" || fail "the server did not attach: $(cat "$tmp/server.log")"

# r2's own ICMP errors toward the server: a random 30% dropped.
lab_lossy_errors r2 "$drop_percent" "$(lab_addr "server:$server_link" 4)" "$(lab_addr "server:$server_link" 6)"

for family in 4 6; do
  target=$(lab_addr "server:$server_link" "$family")
  base="$tmp/report-$family"
  lab_exec client timeout 120 "$client_bin" -n -w 0.5 -c "$rounds" --interval 0.1 --store-json -o "$base" "$target" \
    > "$base.txt" 2> "$base.err"
  rc=$?
  checks=$((checks + 1))
  [ "$rc" -eq 0 ] || fail "v$family report: exit code $rc: $(cat "$base.err")"
  checks=$((checks + 1))
  grep -q "^two-way udp report: $rounds rounds over flow 33434" "$base.txt" || fail "v$family report heading: $(head -2 "$base.txt")"
  out=$(lab_schema_valid "$base.json") || fail "v$family report JSON: $out"
  # Per direction and hop: Loss% within 4 standard deviations of the dropped share at reverse
  # hop 2, exactly 0 elsewhere; every hop is on the true path.
  out=$(/usr/bin/python3 - "$base.json" "$drop_percent" "$rounds" <<'PY'
import json, math, sys
m = json.load(open(sys.argv[1])); p = int(sys.argv[2]) / 100; rounds = int(sys.argv[3])
problems = []
if m["singlepath"].get("rounds") != rounds:
    problems.append(f"rounds {m['singlepath'].get('rounds')}, expected {rounds}")
for direction in ("forward", "reverse"):
    s = m["statistics"][direction]
    if s["rtt_measured_by"] != ("server" if direction == "reverse" else "client"):
        problems.append(f"{direction}: rtt_measured_by {s['rtt_measured_by']}")
    if [h["ttl"] for h in s["hops"]] != [1, 2, 3, 4]:
        problems.append(f"{direction}: hops {[h['ttl'] for h in s['hops']]}")
    for h in s["hops"]:
        loss = h["loss_percent"] / 100
        if direction == "reverse" and h["ttl"] == 2:
            bound = 4 * math.sqrt(p * (1 - p) / h["sent"])
            if abs(loss - p) > bound:
                problems.append(f"reverse hop 2: loss {loss:.3f} of {h['sent']} probes, expected {p} +- {bound:.3f}")
            print(f"reverse hop 2: {h['sent'] - h['received']} of {h['sent']} lost ({100 * loss:.1f}%)")
        elif loss != 0:
            problems.append(f"{direction} hop {h['ttl']}: loss {100 * loss:.1f}%, expected 0")
        if h["sent"] < 3 * rounds:
            problems.append(f"{direction} hop {h['ttl']}: {h['sent']} probes sent in {rounds} rounds of 3")
for problem in problems:
    print("PROBLEM", problem)
sys.exit(1 if problems else 0)
PY
  )
  checks=$((checks + 1))
  [ $? -eq 0 ] || fail "v$family statistics: $out"
  echo "v$family: $out"
  [ -n "${REPORT_SHOW:-}" ] && cat "$base.txt" "$base.err"
  # The table says the same: reverse hop 2 (right side) has loss, forward hop 2 none.
  row=$(awk '$1 == "2" && /\|/' "$base.txt")
  checks=$((checks + 1))
  left=${row%%|*}; right=${row#*|}
  grep -q " 0.0%" <<< "$left" && ! grep -q " 0.0%" <<< "$right" || fail "v$family table row of hop 2: '$row'"
done
lab_lossless r2

# The live view under tmux: keys, then q prints the report.
target=$(lab_addr "server:$server_link" 4)
hop1=$(lab_addr "r1:$(lab_link_between client r1)" 4)
lab_hosts client "$hop1 r1.hosts.example"
lab_tmux_client "$session" "$tmp/live.rc" "$client_bin" -w 0.5 --live --interval 0.2 --store-json -o "$tmp/live" "$target"
screen() { lab_tmux_screen "$session"; }
wait_for() { lab_tmux_wait_for "$session" "$1"; }
checks=$((checks + 1))
wait_for "reverse: back from" && wait_for "^  4  " || fail "live view: no table: $(screen)"
checks=$((checks + 1))
tmux send-keys -t "$session" p
wait_for "(paused)" || fail "live view: p did not pause: $(screen)"
paused=$(screen | grep "report:")
sleep 0.8
checks=$((checks + 1))
[ "$(screen | grep "report:")" = "$paused" ] || fail "live view: rounds went on while paused: '$paused' then '$(screen | grep report:)'"
tmux send-keys -t "$session" p
checks=$((checks + 1))
tmux send-keys -t "$session" r
wait_for "report: [0-2] rounds\?" || fail "live view: r did not reset: $(screen)"
checks=$((checks + 1))
wait_for "^  1  r1.hosts.example ($hop1) " || fail "live view: hop 1 without its hosts-file name: $(screen)"
tmux send-keys -t "$session" n
checks=$((checks + 1))
wait_for "^  1  $hop1 " || fail "live view: n did not switch hop 1 to its address: $(screen)"
tmux send-keys -t "$session" q
checks=$((checks + 1))
rc=$(lab_tmux_exit_code "$tmp/live.rc")
[ "$rc" = 0 ] || fail "live view: q did not end it with exit code 0 (got '$rc'): $(screen)"
checks=$((checks + 1))
screen | grep "^two-way udp report: " > /dev/null && screen | grep "wrote $tmp/live.json" > /dev/null ||
  fail "live view: no report or file after q: $(screen)"
out=$(lab_schema_valid "$tmp/live.json") || fail "live view JSON: $out"

lab_summary
