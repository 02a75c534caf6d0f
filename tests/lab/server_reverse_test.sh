#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Lab test of the server: on the line, diamond and asymmetric topologies, for IPv4 and IPv6 and
# UDP, TCP and ICMP probes, every hop the server reports is on the true reverse path (the
# topology file's `truth reverse`), ending at the client. Also: ping and TCP to the server
# host still work while it is attached, a kill -9 leaves nothing that stops a restart, and no
# filter is left after a clean stop.
# Usage: server_reverse_test.sh BUILD_DIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=netlab.sh
source "$here/netlab.sh"
lab_require_root

build=$1
server_bin="$build/server/reverse-traceroute-server"
requester_bin="$build/tests/lab/lab-requester"
tmp=$(mktemp -d)
trap 'lab_down; rm -rf "$tmp"' EXIT
LAB_SERVER_LOG=$tmp/server.log

start_server() {  # start_server IFACE [args...]; waits until the filter is attached
  lab_start_server "$server_bin" "$@" && return 0
  fail "server did not attach: $(cat "$LAB_SERVER_LOG")"
  return 1
}

for topo in ${LAB_TOPOLOGIES:-line diamond asymmetric}; do
  file="$here/topologies/$topo.topo"
  lab_up "$file"
  trap 'lab_down; rm -rf "$tmp"' EXIT
  read -ra truth <<< "$(lab_truth "$file" reverse)"
  server_link=$(lab_link_between server r3)
  start_server r3 || { lab_down; continue; }
  for family in 4 6; do
    target=$(lab_addr "server:$server_link" "$family")
    for protocol in udp tcp icmp; do
      for flow in 0 33434 40000; do
        out=$(lab_exec client "$requester_bin" --protocol "$protocol" --flow "$flow" \
                --max-ttl "${#truth[@]}" --timeout-ms 2000 "$target")
        ttl=0
        while read -r t hop _; do
          ttl=$((ttl + 1))
          checks=$((checks + 1))
          expected=${truth[$((t - 1))]}
          if ! hop_matches "$hop" "$expected" "$family"; then
            fail "$topo v$family $protocol flow $flow ttl $t: got '$hop', expected $expected"
          fi
        done <<< "$out"
        [ "$ttl" -eq "${#truth[@]}" ] || fail "$topo v$family $protocol: $ttl lines, expected ${#truth[@]}"
      done
    done
    # ttl 0: the server answers state 1 without probing.
    out=$(lab_exec client "$requester_bin" --first-ttl 0 --max-ttl 0 "$target")
    checks=$((checks + 1))
    [ "$out" = "0 state 1" ] || fail "$topo v$family ttl 0: got '$out'"
  done

  if [ "$topo" = line ]; then
    # Other traffic is untouched while attached: ping and a TCP connection to the server.
    for family in 4 6; do
      target=$(lab_addr "server:$server_link" "$family")
      checks=$((checks + 1))
      lab_exec client ping -"$family" -c 2 -i 0.2 -W 1 "$target" > /dev/null || fail "v$family ping to the server"
      lab_exec server timeout 5 nc -"$family" -l 8080 > "$tmp/nc.out" &
      nc_pid=$!
      sleep 0.3
      echo "hello-$family" | lab_exec client timeout 5 nc -"$family" -N "$target" 8080
      wait "$nc_pid"
      checks=$((checks + 1))
      grep -q "hello-$family" "$tmp/nc.out" || fail "v$family TCP connection to the server"
    done
    # kill -9 leaves the filter behind; a new instance takes it over and works.
    kill -9 "$LAB_SERVER_PID"; wait "$LAB_SERVER_PID" 2>/dev/null
    start_server r3
    checks=$((checks + 1))
    [ "$(lab_exec server tc filter show dev r3 ingress | grep -c rtt_ingress)" -eq 1 ] ||
      fail "after kill -9 and restart there is not exactly one filter"
    out=$(lab_exec client "$requester_bin" --protocol udp --max-ttl 1 "$(lab_addr "server:$server_link" 4)")
    checks=$((checks + 1))
    hop_matches "$(echo "$out" | awk '{print $2}')" "${truth[0]}" 4 || fail "after restart: '$out'"
    # The v4 and v6 instances coexist on one interface.
    lab_stop_server
    start_server r3 -4; v4_pid=$LAB_SERVER_PID
    start_server r3 -6; v6_pid=$LAB_SERVER_PID
    for family in 4 6; do
      out=$(lab_exec client "$requester_bin" --protocol tcp --max-ttl 1 "$(lab_addr "server:$server_link" "$family")")
      checks=$((checks + 1))
      hop_matches "$(echo "$out" | awk '{print $2}')" "${truth[0]}" "$family" || fail "v4+v6 instances, v$family: '$out'"
    done
    # A second instance for a family already served is refused with one sentence, and the
    # first keeps serving (it once silently replaced the first, which went on saying "serving").
    for args in "-4" ""; do
      # shellcheck disable=SC2086
      out=$(timeout 10 ip netns exec "$(lab_ns server)" "$server_bin" --stats-interval 0 $args r3 2>&1); rc=$?
      checks=$((checks + 2))
      [ $rc -eq 1 ] || fail "a second instance (${args:-v4+v6}) beside a live -4: exit $rc: $out"
      grep -q "^reverse-traceroute-server: another reverse-traceroute-server already serves IPv4 on r3: stop it" <<< "$out" &&
        [ "$(wc -l <<< "$out")" -eq 1 ] || fail "a second instance (${args:-v4+v6}): not the one sentence: $out"
    done
    out=$(lab_exec client "$requester_bin" --protocol udp --max-ttl 1 "$(lab_addr "server:$server_link" 4)")
    checks=$((checks + 1))
    hop_matches "$(echo "$out" | awk '{print $2}')" "${truth[0]}" 4 || fail "the first -4 instance after the refusals: '$out'"
    LAB_SERVER_PID=$v6_pid; lab_stop_server
    LAB_SERVER_PID=$v4_pid; lab_stop_server
    # kill -9 of a v4+v6 instance, then a restart with -4: the orphaned v4+v6 filter (which runs
    # before the -4 one) is removed, so only the new program sees the traffic.
    start_server r3
    kill -9 "$LAB_SERVER_PID"; wait "$LAB_SERVER_PID" 2>/dev/null; LAB_SERVER_PID=
    start_server r3 -4
    checks=$((checks + 1))
    filters=$(lab_exec server tc filter show dev r3 ingress | grep rtt_ingress)
    [ "$(grep -c . <<< "$filters")" -eq 1 ] && grep -q "pref 29188 " <<< "$filters" ||
      fail "after kill -9 of v4+v6 and a restart with -4, the filters are: $filters"
    out=$(lab_exec client "$requester_bin" --protocol udp --max-ttl 1 "$(lab_addr "server:$server_link" 4)")
    checks=$((checks + 1))
    hop_matches "$(echo "$out" | awk '{print $2}')" "${truth[0]}" 4 || fail "-4 after the orphan was removed: '$out'"
  fi
  lab_stop_server
  checks=$((checks + 1))
  if lab_exec server tc filter show dev r3 ingress | grep . > /dev/null; then
    fail "$topo: a filter is left after stop"
  fi
  lab_down
done

lab_summary
