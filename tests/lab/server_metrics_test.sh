#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Lab test of the server's --metrics (issue 32): on the line topology, the server in its
# namespace serves Prometheus text on its loopback; after reverse traces from the client (IPv4
# and IPv6) the request, probe and answer counters count them, `promtool check metrics` passes,
# and sessions held pending (their probes dropped at the client) show in the session and
# source gauges under their family: 20 IPv4 and 30 IPv6. Bad --metrics values and a port taken
# are one sentence each.
# Usage: server_metrics_test.sh BUILD_DIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=netlab.sh
source "$here/netlab.sh"
lab_require_root

build=$1
server_bin="$build/server/reverse-traceroute-server"
client_bin="$build/client/reverse-traceroute"
packets_bin="$build/tests/lab/lab-packets"
tmp=$(mktemp -d)
cleanup() {
  lab_down
  rm -rf "$tmp"
}
trap cleanup EXIT
LAB_SERVER_LOG=$tmp/server.log
command -v promtool > /dev/null || { echo "skipped: promtool is not installed (Debian package prometheus)"; exit 77; }

# Bad values: one sentence, exit 2, before anything is loaded.
for bad in localhost 127.0.0.1:99999 ":x"; do
  checks=$((checks + 1))
  out=$("$server_bin" --metrics "$bad" lo 2>&1); rc=$?
  [ $rc -eq 2 ] && grep -q "is not ADDR:PORT" <<< "$out" && [ "$(wc -l <<< "$out")" -eq 1 ] \
    || fail "--metrics $bad: rc $rc, '$out'"
done

file="$here/topologies/line.topo"
lab_up "$file"
trap cleanup EXIT
iface=$(lab_only_iface server)

# A taken port: one sentence, exit 1, and the program it had attached is detached again.
lab_exec server nc -l 127.0.0.1 9465 > /dev/null 2>&1 &
for _ in $(seq 50); do lab_exec server ss -Hltn 'sport = :9465' | grep . > /dev/null && break; sleep 0.1; done
checks=$((checks + 1))
out=$(lab_exec server timeout 10 "$server_bin" --metrics 127.0.0.1:9465 "$iface" 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "cannot listen on 127.0.0.1:9465 for --metrics" <<< "$out" && [ "$(wc -l <<< "$out")" -eq 1 ] \
  || fail "a taken --metrics port: rc $rc, '$out'"
checks=$((checks + 1))
[ -z "$(_lab_filter_ids server "$iface")" ] || fail "a server refused for its --metrics port left its program attached"
lab_exec server pkill -f "nc -l 127.0.0.1 9465"

lab_start_server "$server_bin" "$iface" --metrics 127.0.0.1:0 -t 30s ||
  fail "the server did not attach: $(cat "$LAB_SERVER_LOG")"
metrics_url=
for _ in $(seq 50); do
  metrics_url=$(grep -o 'http://127\.0\.0\.1:[0-9]*/metrics' "$LAB_SERVER_LOG" | head -1)
  [ -n "$metrics_url" ] && break
  sleep 0.1
done
checks=$((checks + 1))
[ -n "$metrics_url" ] || fail "the server does not say where its metrics are: $(cat "$LAB_SERVER_LOG")"
scrape() { lab_exec server curl -s -m 5 "$metrics_url" > "$tmp/metrics"; }
value() { awk -v name="$1" '$1 == name { print $2 }' "$tmp/metrics"; }
expect() {  # expect NAME OP NUMBER
  checks=$((checks + 1))
  local v; v=$(value "$1")
  [ -n "$v" ] && [ "$v" "$2" "$3" ] 2> /dev/null || fail "$1 is '$v', expected $2 $3"
}

# Traces, both families.
target4=$(lab_addr server:4 4); target6=$(lab_addr server:4 6)
lab_exec client ping -6 -c 1 -W 1 "$target6" > /dev/null 2>&1   # the lab's first IPv6 packet may be lost
for target in "$target4" "$target6"; do
  out=$(lab_exec client timeout 30 "$client_bin" -n -w 1 reverse udp singlepath "$target" 2>&1)
  checks=$((checks + 1))
  grep -q "reached" <<< "$out" || fail "reverse trace to $target: $out"
done
scrape
checks=$((checks + 1))
lab_exec server promtool check metrics < "$tmp/metrics" > "$tmp/promtool" 2>&1 && [ ! -s "$tmp/promtool" ] \
  || fail "promtool check metrics: $(cat "$tmp/promtool")"
hops=$(lab_truth "$file" reverse | wc -l)
expect rtt_server_requests_total -ge $((2 * hops))
expect 'rtt_server_probes_total{protocol="udp"}' -ge $((2 * hops))
expect 'rtt_server_probes_total{protocol="tcp"}' -eq 0
expect rtt_server_answers_total -ge $((2 * hops))
expect 'rtt_server_requests_dropped_total{reason="malformed"}' -eq 0
expect rtt_server_session_capacity -eq 65536
expect rtt_server_session_timeout_seconds -eq 30
checks=$((checks + 1))
grep -q "^rtt_server_info{.*interface=\"$iface\",families=\"ipv4,ipv6\"} 1$" "$tmp/metrics" || fail "info: $(grep info "$tmp/metrics")"

# Sessions held pending: their probes are dropped at the client, so none ends before -t 30s.
source4=198.18.1.101; source6=2001:db8:1::101
lab_exec client ip addr add "$source4/24" dev r1
lab_exec client ip addr add "$source6/64" dev r1 nodad
lab_exec client nft -f - <<EOF2
table inet lab_silent {
  chain input {
    type filter hook input priority 0;
    ip daddr $source4 udp sport 1021 drop
    ip6 daddr $source6 udp sport 1021 drop
  }
}
EOF2
lab_exec client "$packets_bin" flood --source "$source4" --count 20 --ttl 10 "$target4" > "$tmp/flood4"
lab_exec client "$packets_bin" flood --source "$source6" --count 30 --ttl 10 "$target6" > "$tmp/flood6"
scrape
expect 'rtt_server_sessions{family="ipv4"}' -eq 20
expect 'rtt_server_sessions{family="ipv6"}' -eq 30
expect 'rtt_server_sources{family="ipv4"}' -ge 2
# IPv6 sources are counted per /64: the trace's and the held sessions' source share one.
expect 'rtt_server_sources{family="ipv6"}' -ge 1
lab_stop_server
lab_summary
