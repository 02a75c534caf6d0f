#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Lab test of the client's DNS (c-ares) against a real DNS server: dnsmasq, started in the
# client namespace on 127.0.0.1, serves PTR records for every router and the server and the
# origin.asn.cymru.com / origin6.asn.cymru.com TXT records mtr and traceroute -A read. A two-way
# trace with -A must show each hop's name and AS number in both directions, in the text and in
# the JSON (hostnames, asn); the live view (under tmux) too, and after its n key the address with
# its AS number but no name. Then the DNS server stops answering (nft drops its queries): the
# same trace must take at most the lookup budget (2 s) longer than one with -n, and show
# addresses with [*].
# Usage: dns_test.sh BUILD_DIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=netlab.sh
source "$here/netlab.sh"
lab_require_root

build=$1
server_bin="$build/server/reverse-traceroute-server"
client_bin="$build/client/reverse-traceroute"

tmp=$(mktemp -d)
dns_pid=
session=rtt-dns-live-$$
trap 'tmux kill-session -t "$session" 2>/dev/null; [ -n "$dns_pid" ] && kill "$dns_pid" 2>/dev/null && wait "$dns_pid" 2>/dev/null; lab_down; rm -rf "$tmp"' EXIT

file="$here/topologies/line.topo"
lab_up "$file"
server_link=$(lab_link_between server r3)
LAB_SERVER_LOG=$tmp/server.log
lab_start_server "$server_bin" "$(lab_only_iface server)" || fail "the server did not attach: $(cat "$tmp/server.log")"

# reversed NAME FAMILY ADDRESS: the PTR owner of ADDRESS, or its Team Cymru TXT owner.
ptr_owner() {
  /usr/bin/python3 -c 'import ipaddress, sys; print(ipaddress.ip_address(sys.argv[1]).reverse_pointer)' "$1"
}
as_owner() {
  local owner
  owner=$(ptr_owner "$1")
  case $owner in
    *.in-addr.arpa) echo "${owner%.in-addr.arpa}.origin.asn.cymru.com" ;;
    *) echo "${owner%.ip6.arpa}.origin6.asn.cymru.com" ;;
  esac
}

# Every address of every router and of the server: a name and an AS number (64500 + index).
records=()
declare -A expected_name expected_as
index=0
for node in r1 r2 r3 server; do
  for address in $(lab_exec "$node" ip -o addr show scope global | awk '{ sub(/\/.*/, "", $4); print $4 }'); do
    index=$((index + 1))
    expected_name[$address]="$node-$index.dns.example"
    expected_as[$address]=$((64500 + index))
    records+=(--ptr-record="$(ptr_owner "$address"),$node-$index.dns.example"
              --txt-record="$(as_owner "$address"),$((64500 + index)) | 198.18.0.0/15 | ZZ | lab | 2026-12-01")
  done
done
# Not through lab_exec: $! must be dnsmasq itself (ip netns exec execs it), or kill misses it.
ip netns exec "$(lab_ns client)" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts --user=root \
  --listen-address=127.0.0.1 --bind-interfaces --port=53 --pid-file= "${records[@]}" > "$tmp/dnsmasq.log" 2>&1 &
dns_pid=$!
lab_hosts client
for _ in $(seq 50); do
  lab_exec client ss -lun | grep "127.0.0.1:53 " > /dev/null && break
  sleep 0.1
done

for family in 4 6; do
  target=$(lab_addr "server:$server_link" "$family")
  base="$tmp/names-$family"
  lab_exec client timeout 60 "$client_bin" -A -w 1 --store-json -o "$base" two-way udp singlepath "$target" \
    > "$base.txt" 2> "$base.err"
  rc=$?
  checks=$((checks + 1))
  [ "$rc" -eq 0 ] || fail "v$family names: exit code $rc: $(cat "$base.err")"
  # Every hop line of both directions: "NAME (ADDRESS) [ASN]" as served.
  while read -r ttl name address as_number _; do
    address=${address#(}; address=${address%)}
    checks=$((checks + 1))
    want_name=${expected_name[$address]:-}
    want_as=${expected_as[$address]:-}
    if [ -z "$want_name" ]; then
      # The client itself ends the reverse path: it has no record, so no name and no AS.
      [ "$address" = "$(lab_addr "client:$(lab_link_between client r1)" "$family")" ] ||
        fail "v$family hop $ttl: unexpected address $address"
      continue
    fi
    [ "$name" = "$want_name" ] && [ "$as_number" = "[AS$want_as]" ] ||
      fail "v$family hop $ttl: '$name $address $as_number', expected '$want_name $address [AS$want_as]'"
  done < <(awk '$1 ~ /^[0-9]+$/ && $3 ~ /^\(/ { print $1, $2, $3, $4 }' "$base.txt")
  checks=$((checks + 1))
  [ "$(awk '$1 ~ /^[0-9]+$/' "$base.txt" | wc -l)" -ge 7 ] && [ "$(awk '$1 ~ /^[0-9]+$/ && $3 ~ /^\(/' "$base.txt" | wc -l)" -ge 7 ] ||
    fail "v$family names: hops without names: $(cat "$base.txt")"
  [ -n "${DNS_SHOW:-}" ] && cat "$base.txt"
  out=$(lab_schema_valid "$base.json") || fail "v$family names JSON: $out"
  out=$(/usr/bin/python3 - "$base.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
named = [a for a, names in m["hostnames"].items() if names and names[0].endswith(".dns.example")]
numbered = [a for a, numbers in m.get("asn", {}).items() if numbers and 64500 < numbers[0] < 64600]
print(len(named), len(numbered))
PY
  )
  checks=$((checks + 1))
  read -r named numbered <<< "$out"
  [ "${named:-0}" -ge 4 ] && [ "${numbered:-0}" -ge 4 ] || fail "v$family JSON: $named names, $numbered AS numbers"
done

# The live view shows names and AS numbers as they arrive; n leaves the address and its AS number.
target=$(lab_addr "server:$server_link" 4)
hop1=$(lab_addr "r1:$(lab_link_between client r1)" 4)
lab_tmux_client "$session" "$tmp/live.rc" "$client_bin" -A -w 0.5 --live --interval 0.2 "$target"
screen() { lab_tmux_screen "$session"; }
wait_for() { lab_tmux_wait_for "$session" "$1"; }
checks=$((checks + 1))
wait_for "^  1  ${expected_name[$hop1]} ($hop1) \[AS${expected_as[$hop1]}\]" ||
  fail "live view: hop 1 without its name and AS number: $(screen)"
tmux send-keys -t "$session" n
checks=$((checks + 1))
wait_for "^  1  $hop1 \[AS${expected_as[$hop1]}\]" || fail "live view: after n, hop 1 is not its address with its AS number: $(screen)"
tmux send-keys -t "$session" q
checks=$((checks + 1))
rc=$(lab_tmux_exit_code "$tmp/live.rc")
[ "$rc" = 0 ] || fail "live view: q did not end it with exit code 0 (got '$rc'): $(screen)"
tmux kill-session -t "$session" 2>/dev/null

# The DNS server stops answering: its queries are dropped, so every lookup would time out.
lab_exec client nft add table inet mute
lab_exec client nft add chain inet mute in '{ type filter hook input priority 0; }'
lab_exec client nft add rule inet mute in udp dport 53 drop
lab_exec client nft add rule inet mute in tcp dport 53 drop
elapsed() {  # elapsed ARGS...: seconds one trace takes
  local start end
  start=$(date +%s.%N)
  lab_exec client timeout 60 "$client_bin" -w 1 "$@" two-way udp singlepath "$target" > "$tmp/mute.txt" 2>&1
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f\n", b - a }' 
}
without=$(elapsed -n)
with=$(elapsed -A)
echo "no DNS: ${without} s; names and AS numbers from a server that does not answer: ${with} s"
checks=$((checks + 1))
awk -v w="$with" -v n="$without" 'BEGIN { exit !(w <= n + 2.5) }' || fail "an unanswering DNS server cost $with s against $without s"
checks=$((checks + 1))
grep -q "^ 1  $(lab_addr "r1:$(lab_link_between client r1)" 4) \[\*\]" "$tmp/mute.txt" || fail "mute DNS: hop 1 is not an address with [*]: $(cat "$tmp/mute.txt")"
# The hosts file still answers once the budget is spent (hop 1 spent it waiting on DNS): hop 2's
# name is in the text and in the JSON, however fast the trace ends (a race CI once lost).
hop2=$(lab_addr "r2:$(lab_link_between r1 r2)" 4)
lab_hosts client "$hop2 r2.hosts.example"
lab_exec client timeout 60 "$client_bin" -w 1 --json two-way udp singlepath "$target" > "$tmp/mute.json" 2> "$tmp/mute.err"
lab_exec client timeout 60 "$client_bin" -w 1 forward udp singlepath "$target" > "$tmp/mute.txt" 2>&1
checks=$((checks + 2))
grep -q "^ 2  r2.hosts.example ($hop2)" "$tmp/mute.txt" || fail "mute DNS: hop 2 lost its hosts-file name: $(cat "$tmp/mute.txt")"
python3 -c "import json,sys; sys.exit(json.load(open('$tmp/mute.json'))['hostnames'].get('$hop2') != ['r2.hosts.example'])" \
  || fail "mute DNS: the JSON lacks hop 2's hosts-file name: $(grep -A12 hostnames "$tmp/mute.json")"

lab_summary
