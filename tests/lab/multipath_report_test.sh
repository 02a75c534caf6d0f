#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Lab test of the multipath report (-c) and live view (--live) on the diamond, both families:
# r2a, one branch of the diamond, drops a known share (30%) of the ICMP errors it sends toward
# the server only, so only the server's probes (the reverse trace) lose answers there. After
# discovery every round probes each vertex once: the report must put that loss on r2a's vertex of
# the reverse direction, within a binomial bound on the probes sent to it, and show 0% at every
# other vertex of both directions (r2b beside it included); every vertex of the true graph is in
# the table, each probed once a round, and the flow shares of a hop add up to 100%. The JSON
# says the same and keeps the schema. Then the live view runs under tmux: it shows both
# directions with r2a's loss in the reverse column, and q leaves with the report and the file.
# Usage: multipath_report_test.sh BUILD_DIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=netlab.sh
source "$here/netlab.sh"
lab_require_root

build=$1
server_bin="$build/server/reverse-traceroute-server"
client_bin="$build/client/reverse-traceroute"
drop_percent=30
rounds=${REPORT_ROUNDS:-60}

tmp=$(mktemp -d)
session=rtt-mp-live-$$
trap 'tmux kill-session -t "$session" 2>/dev/null; lab_down; rm -rf "$tmp"' EXIT

lab_up "$here/topologies/diamond.topo"
server_link=$(lab_link_between server r3)
LAB_SERVER_LOG=$tmp/server.log
lab_start_server "$server_bin" "$(lab_only_iface server)" || fail "the server did not attach: $(cat "$tmp/server.log")"

# r2a's own ICMP errors toward the server: a random 30% dropped (nft numgen, counted), per
# family. Turned on once discovery is over: the rounds are what this test is about (discovery
# under such loss is slow, see docs/multipath.md), and the counter then holds exactly the
# answers the rounds lost at r2a.
lossy_on() {
  lab_lossy_errors r2a "$drop_percent" "$(lab_addr "server:$server_link" 4)" "$(lab_addr "server:$server_link" 6)"
}

# wait_for_rounds FILE: until the client's -v log says both directions' rounds started (60 s at most).
wait_for_rounds() {
  local _
  for _ in $(seq 600); do
    [ "$(grep -c "rounds over them start" "$1" 2>/dev/null)" -ge 2 ] && return 0
    sleep 0.1
  done
  return 1
}

# The addresses of a direction's true graph (every vertex, the end of the path included).
truth_addresses() {
  local word
  for word in $(lab_truth "$here/topologies/diamond.topo" "$1" | tr '|' ' '); do
    lab_addr "$word" "$2"
  done | sort -u | tr '\n' ' '
}

for family in 4 6; do
  target=$(lab_addr "server:$server_link" "$family")
  # Where the reverse probes meet r2a: its link to r3 (the lab's routers answer from the inbound link).
  lossy=$(lab_addr "r2a:$(lab_link_between r2a r3)" "$family")
  base="$tmp/report-$family"
  # --confidence 0.00001: discovery finds every vertex.
  lab_exec client timeout 120 "$client_bin" -n -v -w 0.5 two-way udp multipath --confidence 0.00001 -c "$rounds" \
    --interval 0.1 --store-json -o "$base" "$target" > "$base.txt" 2> "$base.err" &
  client_pid=$!
  wait_for_rounds "$base.err" || fail "v$family: the rounds did not start: $(cat "$base.err")"
  lossy_on
  wait "$client_pid"
  rc=$?
  drops=$(lab_lossy_drops r2a)
  lab_lossless r2a
  checks=$((checks + 1))
  [ "$rc" -eq 0 ] || fail "v$family report: exit code $rc: $(cat "$base.err")"
  checks=$((checks + 1))
  grep -q "^two-way udp multipath report: $rounds rounds over every vertex found" "$base.txt" ||
    fail "v$family report heading: $(head -2 "$base.txt")"
  out=$(lab_schema_valid "$base.json") || fail "v$family report JSON: $out"
  truth_forward=$(truth_addresses forward "$family")
  truth_reverse=$(truth_addresses reverse "$family")
  out=$(/usr/bin/python3 - "$base.json" "$drop_percent" "$rounds" "$lossy" "$truth_forward" "$truth_reverse" \
    "$drops" <<'PY'
import ipaddress, json, math, sys
m = json.load(open(sys.argv[1])); p = int(sys.argv[2]) / 100; rounds = int(sys.argv[3])
lossy = ipaddress.ip_address(sys.argv[4])
truth = {"forward": sys.argv[5].split(), "reverse": sys.argv[6].split()}
drops = int(sys.argv[7])
problems = []
if m["multipath"].get("rounds") != rounds:
    problems.append(f"rounds {m['multipath'].get('rounds')}, expected {rounds}")
for direction in ("forward", "reverse"):
    s = m["statistics"][direction]
    if s["rtt_measured_by"] != ("server" if direction == "reverse" else "client"):
        problems.append(f"{direction}: rtt_measured_by {s['rtt_measured_by']}")
    found = sorted({v["address"] for v in s["vertices"]}, key=ipaddress.ip_address)
    wanted = sorted({a for a in truth[direction] if a}, key=ipaddress.ip_address)
    if found != wanted:
        problems.append(f"{direction}: vertices {found}, the truth has {wanted}")
    shares = {}
    for v in s["vertices"]:
        shares[v["ttl"]] = shares.get(v["ttl"], 0) + v["flow_share"]
        if v["sent"] + v["answered_elsewhere"] != rounds:
            problems.append(f"{direction} {v['address']}: {v['sent']} sent + {v['answered_elsewhere']} elsewhere in {rounds} rounds")
        loss = v["loss_percent"] / 100
        if direction == "reverse" and ipaddress.ip_address(v["address"]) == lossy:
            bound = 4 * math.sqrt(p * (1 - p) / v["sent"])
            if abs(loss - p) > bound:
                problems.append(f"reverse {v['address']}: loss {loss:.3f} of {v['sent']} probes, expected {p} +- {bound:.3f}")
            # Every answer r2a's rule dropped, and nothing else, is a loss there.
            if v["sent"] - v["received"] != drops:
                problems.append(f"reverse {v['address']}: {v['sent'] - v['received']} lost, r2a dropped {drops}")
            print(f"reverse {v['address']} (r2a): {v['sent'] - v['received']} of {v['sent']} lost ({100 * loss:.1f}%), "
                  f"r2a dropped {drops}")
        elif loss != 0:
            problems.append(f"{direction} {v['address']}: loss {100 * loss:.1f}%, expected 0")
    if m["probes"][direction]["sent"] < rounds * len(s["vertices"]):
        problems.append(f"{direction}: {m['probes'][direction]['sent']} probes stored, the rounds alone sent more")
    for ttl, share in shares.items():
        if abs(share - 1) > 1e-6:
            problems.append(f"{direction} hop {ttl}: flow shares add up to {share}")
for problem in problems:
    print("PROBLEM", problem)
sys.exit(1 if problems else 0)
PY
  )
  checks=$((checks + 1))
  [ $? -eq 0 ] || fail "v$family statistics: $out"
  echo "v$family: $out"
  [ -n "${REPORT_SHOW:-}" ] && cat "$base.txt" "$base.err"
  # The table says the same: r2a's row in the reverse column (right of the bar) has loss.
  row=$(grep -F "  $lossy " "$base.txt" | grep -F '|' | awk -F'|' -v a="$lossy" 'index($2, a)')
  checks=$((checks + 1))
  [ -n "$row" ] && ! grep -q " 0.0%" <<< "${row#*|}" || fail "v$family table row of $lossy: '$row'"
done

# The live view under tmux: r2a's loss shows in the reverse column, then q prints the report.
target=$(lab_addr "server:$server_link" 4)
lossy=$(lab_addr "r2a:$(lab_link_between r2a r3)" 4)
lab_tmux_client "$session" "$tmp/live.rc" "$client_bin" -n -w 0.5 two-way udp multipath --confidence 0.00001 --live \
  --interval 0.1 --store-json -o "$tmp/live" "$target"
screen() { lab_tmux_screen "$session"; }
checks=$((checks + 1))
lab_tmux_wait_for "$session" "rounds over every vertex found" && lab_tmux_wait_for "$session" "|.*$lossy" ||
  fail "live view: no multipath table: $(screen)"
lossy_on
# Within 10 s (100 rounds) r2a's reverse row shows some loss: 0.7^100 makes a miss impossible.
shows_loss() { screen | awk -F'|' -v a="$lossy" 'index($2, a) { print $2 }' | grep -v " 0.0%" > /dev/null; }
for _ in $(seq 100); do shows_loss && break; sleep 0.1; done
checks=$((checks + 1))
shows_loss || fail "live view: no loss on $lossy in the reverse column: $(screen)"
tmux send-keys -t "$session" q
checks=$((checks + 1))
rc=$(lab_tmux_exit_code "$tmp/live.rc")
[ "$rc" = 0 ] || fail "live view: q did not end it with exit code 0 (got '$rc'): $(screen)"
checks=$((checks + 1))
screen | grep "^two-way udp multipath report: " > /dev/null && screen | grep "wrote $tmp/live.json" > /dev/null ||
  fail "live view: no report or file after q: $(screen)"
out=$(lab_schema_valid "$tmp/live.json") || fail "live view JSON: $out"
lab_lossless r2a

lab_summary
