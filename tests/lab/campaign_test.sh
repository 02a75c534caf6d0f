#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Lab test of `reverse-traceroute campaign` on the real network (issue 32): the line topology,
# the server with 30 IPv4 and 10 IPv6 addresses more; a campaign of two-way traces to all 42 at
# --pps 150 from the client's namespace:
# 1. killed with -9 midway, then run again with the same output: every target once, none lost,
#    every line a schema-valid measurement that reached its target both ways;
# 2. Ctrl-C (SIGINT) midway: exit 130, only whole measurements in the output, the summary says how
#    many are unfinished; run again, it finishes them and keeps the earlier ones;
# 3. --transmit -y to a collector: it stores every measurement;
# 4. on a terminal (tmux), the progress line shows done/total, probes/s and the ETA;
# 5. a full disk: one sentence, whole lines only, and a second run finishes.
# Usage: campaign_test.sh BUILD_DIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=netlab.sh
source "$here/netlab.sh"
source "$here/../unit/collector/collector_lib.sh"
lab_require_root

build=$1
server_bin="$build/server/reverse-traceroute-server"
client_bin="$build/client/reverse-traceroute"
collector_bin="$build/collector/reverse-traceroute-collector"
tmp=$(mktemp -d)
campaign_pid=
cleanup() {
  [ -z "$campaign_pid" ] || kill -KILL "$campaign_pid" 2> /dev/null
  collector_stop
  tmux kill-session -t rtt-campaign 2> /dev/null
  mountpoint -q "$tmp/tiny" 2> /dev/null && umount "$tmp/tiny"
  lab_down
  rm -rf "$tmp"
}
trap cleanup EXIT
LAB_SERVER_LOG=$tmp/server.log

file="$here/topologies/line.topo"
lab_up "$file"
trap cleanup EXIT
iface=$(lab_only_iface server)
: > "$tmp/targets"
for i in $(seq 10 39); do
  lab_exec server ip addr add "198.18.4.$i/24" dev "$iface"
  echo "198.18.4.$i" >> "$tmp/targets"
done
for i in $(seq 10 19); do
  lab_exec server ip addr add "2001:db8:4::$i/64" dev "$iface" nodad
  echo "2001:db8:4::$i" >> "$tmp/targets"
done
printf '%s\n' "198.18.4.2 forward tcp" "2001:db8:4::2 icmp" >> "$tmp/targets"
total=$(wc -l < "$tmp/targets")
lab_start_server "$server_bin" "$iface" || fail "the server did not attach: $(cat "$LAB_SERVER_LOG")"
lab_exec client ping -6 -c 1 -W 1 2001:db8:4::2 > /dev/null 2>&1   # the lab's first IPv6 packet may be lost
campaign=(campaign --concurrency 8 -O no-resolve -O timeout=1)

# check_output FILE WHAT: every target once, schema-valid, reached both ways (or forward).
check_output() {
  local out=$1 what=$2 why
  checks=$((checks + 1))
  why=$(/usr/bin/python3 - "$out" "$tmp/targets" "$here/../../docs/measurement.schema.json" <<'PY'
import json, sys, jsonschema
out, targets, schema = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3]))
want = sorted(line.split()[0] for line in open(targets) if line.strip())
found = [json.loads(line) for line in open(out)]
problems = []
if sorted(m["target"] for m in found) != want:
    problems.append(f"targets {sorted(m['target'] for m in found)} != {want}")
for m in found:
    for error in jsonschema.Draft7Validator(schema).iter_errors(m):
        problems.append(f"{m['target']}: {error.message}")
    if set(m["outcome"].values()) != {"reached"}:
        problems.append(f"{m['target']}: {m['outcome']}")
print("; ".join(problems[:5]))
PY
  )
  [ -z "$why" ] || fail "$what: $why"
}

# 1. kill -9 midway, then again.
ip netns exec "$(lab_ns client)" "$client_bin" "${campaign[@]}" --pps 150 -q -o "$tmp/killed.jsonl" "$tmp/targets" 2> "$tmp/killed.err" &
campaign_pid=$!
for _ in $(seq 200); do [ "$( (wc -l < "$tmp/killed.jsonl") 2> /dev/null || echo 0)" -ge 10 ] && break; sleep 0.05; done
kill -KILL "$campaign_pid"; wait "$campaign_pid" 2> /dev/null; campaign_pid=
before=$(wc -l < "$tmp/killed.jsonl")
checks=$((checks + 1))
[ "$before" -ge 10 ] && [ "$before" -lt "$total" ] || fail "the kill did not land midway: $before of $total written"
out=$(lab_exec client timeout 120 "$client_bin" "${campaign[@]}" --pps 150 -o "$tmp/killed.jsonl" "$tmp/targets" 2>&1); rc=$?
checks=$((checks + 1))
[ $rc -eq 0 ] || fail "the resumed campaign exited $rc: $out"
checks=$((checks + 1))
grep -q "$((total - before)) of $total traces done in this run, $before in earlier runs" <<< "$out" \
  || fail "the resumed campaign's summary: $out"
check_output "$tmp/killed.jsonl" "after kill -9 and a second run"

# 2. Ctrl-C midway.
ip netns exec "$(lab_ns client)" "$client_bin" "${campaign[@]}" --pps 150 -o "$tmp/stopped.jsonl" "$tmp/targets" 2> "$tmp/stopped.err" &
campaign_pid=$!
for _ in $(seq 200); do [ "$( (wc -l < "$tmp/stopped.jsonl") 2> /dev/null || echo 0)" -ge 10 ] && break; sleep 0.05; done
kill -INT "$campaign_pid"; wait "$campaign_pid"; rc=$?; campaign_pid=
stopped=$(wc -l < "$tmp/stopped.jsonl")
checks=$((checks + 1))
[ $rc -eq 130 ] || fail "Ctrl-C: exit $rc, expected 130 ($(cat "$tmp/stopped.err"))"
checks=$((checks + 1))
grep -q "unfinished: run the same command again to finish them" "$tmp/stopped.err" || fail "Ctrl-C summary: $(cat "$tmp/stopped.err")"
checks=$((checks + 1))
/usr/bin/python3 -c "import json,sys; [json.loads(l) for l in open(sys.argv[1])]" "$tmp/stopped.jsonl" \
  || fail "Ctrl-C left a torn line in the output"
out=$(lab_exec client timeout 120 "$client_bin" "${campaign[@]}" --pps 150 -o "$tmp/stopped.jsonl" "$tmp/targets" 2>&1); rc=$?
checks=$((checks + 1))
[ $rc -eq 0 ] && grep -q "$stopped in earlier runs" <<< "$out" || fail "after Ctrl-C, the second run: rc $rc, $out"
check_output "$tmp/stopped.jsonl" "after Ctrl-C and a second run"

# 3. --transmit to a collector in the client's namespace.
token=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$token" > "$tmp/tokens"
COLLECTOR_WRAP="ip netns exec $(lab_ns client)"
collector_start "$collector_bin" "$tmp/m.db" --token-file "$tmp/tokens" --rate 1000 --burst 1000 || exit 1
out=$(lab_exec client env REVERSE_TRACEROUTE_TOKEN="$token" timeout 120 "$client_bin" "${campaign[@]}" --pps 150 \
  --transmit "$COLLECTOR_URL" -y -o "$tmp/sent.jsonl" "$tmp/targets" 2>&1); rc=$?
checks=$((checks + 1))
[ $rc -eq 0 ] || fail "campaign with --transmit: rc $rc, $out"
stored=$(lab_exec client curl -s -H "Authorization: Bearer $token" "$COLLECTOR_URL/api/v1/measurements?limit=1000" \
  | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)["measurements"]))')
checks=$((checks + 1))
[ "$stored" = "$total" ] || fail "the collector stored $stored of $total"
collector_stop

# 4. The progress line on a terminal.
lab_tmux_client rtt-campaign "$tmp/tmux.rc" "$client_bin" "${campaign[@]}" --pps 40 -o "$tmp/tty.jsonl" "$tmp/targets"
checks=$((checks + 1))
lab_tmux_wait_for rtt-campaign "campaign: [0-9]*/$total done, 0 failed, [0-9]* running, [0-9]* probes/s, ETA" \
  || fail "no progress line on the terminal: $(lab_tmux_screen rtt-campaign)"
tmux send-keys -t rtt-campaign C-c
checks=$((checks + 1))
[ "$(lab_tmux_exit_code "$tmp/tmux.rc")" = 130 ] || fail "Ctrl-C on the terminal: exit $(cat "$tmp/tmux.rc" 2> /dev/null)"
tmux kill-session -t rtt-campaign 2> /dev/null

lab_stop_server

# 5. A full disk (a 64 KiB tmpfs; the simulated network, nothing sent): one sentence, exit 1,
# only whole measurements in the output, and the same command elsewhere finishes the rest.
mkdir -p "$tmp/tiny"
if mount -t tmpfs -o size=64k tmpfs "$tmp/tiny"; then
  yes 198.18.4.2 | head -40 > "$tmp/forty"
  out=$("$client_bin" campaign --simulate "$here/topologies/line.topo" --per-prefix 40 -q -o "$tmp/tiny/out.jsonl" \
    "$tmp/forty" 2>&1); rc=$?
  checks=$((checks + 3))
  [ $rc -eq 1 ] && [ "$(wc -l <<< "$out")" -eq 1 ] || fail "a full disk: rc $rc, '$out'"
  grep -q "No space left on device): free some space, then run the same campaign again" <<< "$out" || fail "a full disk: '$out'"
  /usr/bin/python3 -c "import json,sys; [json.loads(l) for l in open(sys.argv[1])]" "$tmp/tiny/out.jsonl" \
    || fail "a full disk left a torn line"
  cp "$tmp/tiny/out.jsonl" "$tmp/moved.jsonl"
  umount "$tmp/tiny"
  out=$("$client_bin" campaign --simulate "$here/topologies/line.topo" --per-prefix 40 -o "$tmp/moved.jsonl" "$tmp/forty" 2>&1)
  checks=$((checks + 1))
  [ "$(wc -l < "$tmp/moved.jsonl")" -eq 40 ] || fail "after the full disk, the second run: $out"
else
  fail "cannot mount a tmpfs for the full-disk case"
fi
lab_summary
