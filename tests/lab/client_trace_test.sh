#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Lab test of the client with the real server: on the line, diamond and asymmetric topologies,
# IPv4 and IPv6, UDP/TCP/ICMP, two-way single path: every forward hop is on the true forward
# path ending at the target, every reverse hop on the true reverse path ending at the client,
# and a second run of the same flow gives the same paths. A target without a server gives the
# one-sentence message and exit code 1. On the asymmetric topology a bare `reverse-traceroute
# HOST` traces two-way udp single path, forward-only and
# reverse-only runs store JSON that must match the truth and the schema, and a router silent only on the way
# back shows as `* * *` in the reverse trace. On the line, IPv6 requests leave with flow label
# 0 (counted by nft on r3), --resolve-aliases finds every
# router's two addresses, and names from the client namespace's hosts file reach text, JSON
# and graph.
# Usage: client_trace_test.sh BUILD_DIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=netlab.sh
source "$here/netlab.sh"
lab_require_root

build=$1
server_bin="$build/server/reverse-traceroute-server"
client_bin="$build/client/reverse-traceroute"

# check_section TEXT DIRECTION TRUTH... : the hop lines of one section against the truth.
check_section() {
  local text=$1 direction=$2 family=$3; shift 3
  local truth=("$@") lines
  lines=$(awk -v d="$direction" '$1 == d { on = 1; next } /^(forward|reverse) / { on = 0 } on && $1 ~ /^[0-9]+$/ { print $1, $2 }' <<< "$text")
  local n=0 t hop
  while read -r t hop; do
    [ -z "$t" ] && continue
    n=$((n + 1)); checks=$((checks + 1))
    hop_matches "$hop" "${truth[$((t - 1))]}" "$family" || fail "$label $direction ttl $t: got $hop, expected ${truth[$((t - 1))]}"
  done <<< "$lines"
  [ "$n" -eq "${#truth[@]}" ] || fail "$label $direction: $n hops, expected ${#truth[@]}"
  grep -q "^$direction: \(reached\|the server's probes reached us\)" <<< "$text" || fail "$label $direction: no 'reached' line"
}

tmp=$(mktemp -d)
trap 'lab_down; rm -rf "$tmp"' EXIT

for topo in ${LAB_TOPOLOGIES:-line diamond asymmetric}; do
  file="$here/topologies/$topo.topo"
  lab_up "$file"
  trap 'lab_down; rm -rf "$tmp"' EXIT
  read -ra forward_truth <<< "$(lab_truth "$file" forward)"
  read -ra reverse_truth <<< "$(lab_truth "$file" reverse)"
  server_link=$(lab_link_between server r3)
  LAB_SERVER_LOG=$tmp/server.log
  lab_start_server "$server_bin" r3 || fail "$topo: the server did not attach: $(cat "$tmp/server.log")"
  if [ "$topo" = line ]; then
    # IPv6 requests leave with flow label 0, as the deployed client sends them: an automatic
    # label's hash travels with the request, and a server that redirects it without clearing
    # the hash makes routers send every flow of a reverse trace one way. Counted on r3.
    lab_exec r3 nft add table ip6 labels
    lab_exec r3 nft add chain ip6 labels transit '{ type filter hook forward priority 0; }'
    lab_exec r3 nft add rule ip6 labels transit icmpv6 type echo-request icmpv6 code 1 counter
    lab_exec r3 nft add rule ip6 labels transit icmpv6 type echo-request icmpv6 code 1 ip6 flowlabel != 0 counter
    lab_exec client timeout 30 "$client_bin" -n -w 1 reverse udp multipath "$(lab_addr "server:$server_link" 6)" > /dev/null
    read -r requests labelled <<< "$(lab_exec r3 nft list chain ip6 labels transit | grep -o 'packets [0-9]*' | awk '{printf "%s ", $2}')"
    checks=$((checks + 1))
    [ "${requests:-0}" -gt 0 ] && [ "${labelled:-1}" -eq 0 ] ||
      fail "IPv6 requests with a flow label: ${labelled:-?} of ${requests:-?}"
    lab_exec r3 nft delete table ip6 labels
  fi
  for family in 4 6; do
    target=$(lab_addr "server:$server_link" "$family")
    for protocol in udp tcp icmp; do
      label="$topo v$family $protocol"
      out=$(lab_exec client timeout 30 "$client_bin" -n -w 1 two-way "$protocol" singlepath --flow 40000 "$target")
      rc=$?
      [ "$rc" -eq 0 ] || fail "$label: exit code $rc"
      check_section "$out" forward "$family" "${forward_truth[@]}"
      check_section "$out" reverse "$family" "${reverse_truth[@]}"
      again=$(lab_exec client timeout 30 "$client_bin" -n -w 1 two-way "$protocol" singlepath --flow 40000 "$target")
      checks=$((checks + 1))
      [ "$(awk '$1 ~ /^[0-9]+$/ {print $1, $2}' <<< "$out")" = "$(awk '$1 ~ /^[0-9]+$/ {print $1, $2}' <<< "$again")" ] ||
        fail "$label: a second run of flow 40000 took another path"
    done
    # A router runs no server: one sentence, exit code 1.
    router=$(lab_addr "r1:$(lab_link_between client r1)" "$family")
    out=$(lab_exec client timeout 30 "$client_bin" -n -w 1 reverse udp singlepath "$router" 2>&1)
    rc=$?
    checks=$((checks + 1))
    { [ "$rc" -eq 1 ] && grep -q "runs no reverse traceroute server" <<< "$out"; } || fail "$topo v$family no-server: rc $rc, '$out'"
  done
  if [ "$topo" = line ]; then
    target=$(lab_addr "server:$server_link" 4)
    # TCP to a listening port: open (SYN-ACK); to a closed one: closed (RST).
    lab_exec server timeout 20 nc -l -k 40001 > /dev/null 2>&1 &
    nc_pid=$!
    sleep 0.3
    out=$(lab_exec client timeout 30 "$client_bin" -n -w 1 forward tcp singlepath --flow 40001 "$target")
    checks=$((checks + 1))
    grep -q "TCP port 40001 is open (SYN-ACK)" <<< "$out" || fail "line tcp open port: '$out'"
    kill "$nc_pid" 2>/dev/null; wait "$nc_pid" 2>/dev/null
    out=$(lab_exec client timeout 30 "$client_bin" -n -w 1 forward tcp singlepath --flow 40002 "$target")
    checks=$((checks + 1))
    grep -q "TCP port 40002 is closed (RST)" <<< "$out" || fail "line tcp closed port: '$out'"
    # Names: found for every vertex, shown in the text, stored in the JSON, drawn in the SVG.
    r1_address=$(lab_addr r1:1 4)
    lab_hosts client "$r1_address r1.lab.example"
    out=$(lab_exec client timeout 30 "$client_bin" -w 1 --store-json -o "$tmp/named" --format svg forward udp \
      singlepath "$target")
    checks=$((checks + 3))
    grep -q "^ 1  r1.lab.example ($r1_address)" <<< "$out" || fail "line names: no name in the text: '$out'"
    grep -q "\"$r1_address\": \[" "$tmp/named.json" && grep -A1 "\"$r1_address\": \[" "$tmp/named.json" | grep r1.lab.example > /dev/null ||
      fail "line names: not in the JSON hostnames: $(grep -A3 hostnames "$tmp/named.json")"
    grep -q "r1.lab.example" "$tmp/named.svg" || fail "line names: not in the SVG"
    # APAR on the two-way line: each router's forward and reverse addresses form one set.
    lab_exec client timeout 30 "$client_bin" -n -w 1 -o "$tmp/line" two-way udp singlepath --resolve-aliases \
      "$target" > /dev/null 2>&1
    checks=$((checks + 1))
    expected="$(lab_addr r1:1 4) $(lab_addr r1:2 4)
$(lab_addr r2:2 4) $(lab_addr r2:3 4)
$(lab_addr r3:3 4) $(lab_addr r3:4 4)"
    [ "$(cat "$tmp/line.aliases" 2>/dev/null)" = "$expected" ] ||
      fail "line aliases: got '$(cat "$tmp/line.aliases" 2>/dev/null)', expected '$expected'"
    # A silent router (r2 sends no ICMP errors): `*` at its hop, and the trace goes on.
    lab_silence r2
    out=$(lab_exec client timeout 30 "$client_bin" -n -w 0.3 forward udp singlepath "$target")
    checks=$((checks + 1))
    { grep -q "^ 2  \* \* \*$" <<< "$out" && grep -q "^forward: reached $target" <<< "$out"; } ||
      fail "line silent router: '$out'"
  fi
  if [ "$topo" = asymmetric ]; then
    check_bin="$build/tests/lab/lab-graph-check"
    for family in 4 6; do
      target=$(lab_addr "server:$server_link" "$family")
      # One direction at a time, the JSON measurement checked against the truth.
      for direction in forward reverse; do
        base="$tmp/$direction-$family"
        lab_exec client timeout 30 "$client_bin" -n -w 1 --store-json -o "$base" "$direction" udp singlepath \
          "$target" > "$base.txt" 2>&1
        checks=$((checks + 1))
        grep -q "^forward\|^reverse" "$base.txt" && ! grep -q "^$([ "$direction" = forward ] && echo reverse || echo forward) " "$base.txt" ||
          fail "asymmetric v$family $direction only: the other direction ran: $(cat "$base.txt")"
        out=$("$check_bin" "$file" "$direction" "$family" "$base.json" --single-path) || fail "asymmetric v$family $direction JSON: $out"
        checks=$((checks + 1))
        out=$(lab_schema_valid "$base.json") || fail "asymmetric v$family $direction: not a valid measurement: $out"
      done
    done
    # The first command most people type, a bare host: two-way udp single path, both paths true.
    target=$(lab_addr "server:$server_link" 4)
    label="asymmetric bare host"
    text=$(lab_exec client timeout 30 "$client_bin" -n "$target" 2>&1)
    checks=$((checks + 1))
    grep -q "^forward udp traceroute to $target" <<< "$text" && grep -q "^reverse udp traceroute from $target" <<< "$text" ||
      fail "a bare host did not trace two-way udp: $text"
    check_section "$text" forward 4 "${forward_truth[@]}"
    check_section "$text" reverse 4 "${reverse_truth[@]}"
    # r4 (only on the way back) silent: `* * *` at its reverse hop, and the reverse trace goes on.
    lab_silence r4
    target=$(lab_addr "server:$server_link" 4)
    out=$(lab_exec client timeout 30 "$client_bin" -n -w 0.3 reverse udp singlepath "$target")
    checks=$((checks + 1))
    { grep -q "^ 2  \* \* \*$" <<< "$out" && grep -q "^reverse: the server's probes reached us" <<< "$out"; } ||
      fail "asymmetric silent r4 on the reverse path: '$out'"
  fi
  lab_stop_server
  lab_down
done

lab_summary
