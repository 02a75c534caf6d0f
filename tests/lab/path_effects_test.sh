#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Lab test of what the path does to a packet (issue 30), forward, on the line topology
# (client - r1 - r2 - r3 - server): nftables rules on r2 rewrite what it forwards, and each
# change must be marked at hop 3 (r3's quote is the first to show it) and at no other hop:
#   - no rule: no mark anywhere (UDP, TCP, ICMP; IPv4 and IPv6);
#   - DSCP bleached (probes sent with -t 184, DSCP 46): [DSCP 46→0];
#   - a stateless source NAT that does not translate the quote back (and maps the ICMP errors'
#     destination back by hand): [NAT 198.18.1.1→198.18.3.1];
#   - TCP MSS clamped to 1300: [MSS 1460→1300];
# and in the JSON (schema-valid) on the vertex of hop 3 only; multipath vertices too (DSCP). --payload and --size reach the
# server as given (an nft rule there counts probes of that length carrying those bytes); UDP to
# port 53 of a dnsmasq in the server namespace ends with "reached ...; DNS answered"; a --size
# above the route's MTU is one sentence and exit code 1 before any probe. --banner shows the
# first line a TCP service sends (printable), says plainly when it is silent or closed, and makes
# no connection when the trace did not reach the port. --mtu with link 3 at MTU 1280: the drop
# at hop 3 as r2 reports it, then, with r2's ICMP "too big" errors dropped, as a black hole.
# Usage: path_effects_test.sh BUILD_DIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=netlab.sh
source "$here/netlab.sh"
lab_require_root

build=$1
client_bin="$build/client/reverse-traceroute"

tmp=$(mktemp -d)
dns_pid=
services_pid=
trap '[ -n "$dns_pid" ] && kill "$dns_pid" 2>/dev/null; [ -n "$services_pid" ] && kill "$services_pid" 2>/dev/null; lab_down; [ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT

lab_up "$here/topologies/line.topo"
server_link=$(lab_link_between server r3)

# r2_rules RULES...: r2's forward chain (and its prerouting chain for the NAT's way back).
r2_rules() {
  lab_exec r2 nft delete table inet rtt_middlebox 2> /dev/null
  lab_exec r2 nft -f - <<EOF
table inet rtt_middlebox {
  chain prerouting {
    type filter hook prerouting priority -300;
    $2
  }
  chain forward {
    type filter hook forward priority 0;
    $1
  }
}
EOF
}

# trace NAME ARGS...: a forward trace from the client; its text in $tmp/NAME.txt, JSON in .json.
trace() {
  local name=$1; shift
  lab_exec client timeout 60 "$client_bin" -n -w 1 --store-json -o "$tmp/$name" "$@" > "$tmp/$name.txt" 2> "$tmp/$name.err"
}

# marked_hops NAME PATTERN: the TTLs of the hop lines of NAME's text that carry PATTERN.
marked_hops() {
  awk -v pattern="$2" '$1 ~ /^[0-9]+$/ && index($0, pattern) { printf "%s ", $1 }' "$tmp/$1.txt"
}

# json_marks NAME: "TTL:field:from:to" for every path change in NAME's JSON.
json_marks() {
  /usr/bin/python3 - "$tmp/$1.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
for v in m["traces"]["forward"]:
    for c in v.get("path_changes", []):
        print(f'{v["ttl"]}:{c["field"]}:{c["from"]}:{c["to"]}', end=" ")
PY
}

# expect_mark NAME MARK JSON_MARK: the trace succeeded, MARK is on hop 3's line alone, its JSON
# has JSON_MARK on hop 3 and nothing else, and is schema-valid.
expect_mark() {
  local name=$1 mark=$2 json_mark=$3 rc=$4 out
  checks=$((checks + 1))
  [ "$rc" -eq 0 ] || { fail "$name: exit code $rc: $(cat "$tmp/$name.err")"; return; }
  checks=$((checks + 1))
  [ "$(marked_hops "$name" "[")" = "3 " ] && [ "$(marked_hops "$name" "$mark")" = "3 " ] ||
    fail "$name: expected $mark on hop 3 alone: $(cat "$tmp/$name.txt")"
  checks=$((checks + 1))
  [ "$(json_marks "$name")" = "$json_mark " ] || fail "$name: JSON path changes '$(json_marks "$name")', expected '$json_mark'"
  checks=$((checks + 1))
  grep -q "^    marks: " "$tmp/$name.txt" || fail "$name: no legend under the marks"
  out=$(lab_schema_valid "$tmp/$name.json") || fail "$name JSON: $out"
}

for family in 4 6; do
  target=$(lab_addr "server:$server_link" "$family")
  client=$(lab_addr "client:1" "$family")
  nat=$(lab_addr "r2:3" "$family")
  ip=ip; icmp="icmp type { time-exceeded, destination-unreachable }"
  [ "$family" = 6 ] && ip=ip6 && icmp="icmpv6 type { time-exceeded, destination-unreachable }"

  # No middlebox: nothing marked, whatever the protocol.
  r2_rules "" ""
  for protocol in udp tcp icmp; do
    trace "clean-$protocol-$family" forward "$protocol" singlepath "$target"
    rc=$?
    checks=$((checks + 1))
    [ "$rc" -eq 0 ] && [ -z "$(marked_hops "clean-$protocol-$family" "[")" ] &&
      ! grep -q path_changes "$tmp/clean-$protocol-$family.json" ||
      fail "v$family $protocol without a middlebox: exit code $rc or marks: $(cat "$tmp/clean-$protocol-$family.txt" "$tmp/clean-$protocol-$family.err")"
  done

  # DSCP bleached by r2: probes sent as EF (46).
  r2_rules "$ip saddr $client $ip dscp set cs0" ""
  trace "dscp-$family" -t 184 forward udp singlepath "$target"
  expect_mark "dscp-$family" "[DSCP 46→0]" "3:dscp:46:0" $?
  trace "dscp-multipath-$family" -t 184 forward udp multipath "$target"
  expect_mark "dscp-multipath-$family" "[DSCP 46→0]" "3:dscp:46:0" $?

  # Source NAT without translating the quote back (RFC 5508 asks for it; many do not): the
  # ICMP errors come back to the NAT's address and r2 maps them to the client by hand. IPv6 has
  # no IP ID to name the probe once the NAT rewrote the UDP checksum: TCP there (the id rides in
  # the sequence number).
  protocol=udp
  [ "$family" = 6 ] && protocol=tcp
  r2_rules "$ip saddr $client $ip saddr set $nat" "$ip daddr $nat $icmp $ip daddr set $client"
  trace "nat-$family" forward "$protocol" singlepath "$target"
  expect_mark "nat-$family" "[NAT $client→$nat]" "3:nat-address:$client:$nat" $?

  # MSS clamped on SYNs.
  r2_rules "tcp flags syn tcp option maxseg size set 1300" ""
  trace "mss-$family" forward tcp singlepath "$target"
  expect_mark "mss-$family" "[MSS 1460→1300]" "3:mss:1460:1300" $?
  r2_rules "" ""
done

# The payload and the size reach the server as given: counted there by nft.
lab_exec server nft -f - <<'EOF'
table inet rtt_payload {
  chain input {
    type filter hook input priority 0;
    ip length 200 udp dport 33434 @th,64,40 0x48454c4c4f counter name payload_v4
    ip6 length 160 udp dport 33434 @th,64,40 0x48454c4c4f counter name payload_v6
  }
  counter payload_v4 {}
  counter payload_v6 {}
}
EOF
for family in 4 6; do
  target=$(lab_addr "server:$server_link" "$family")
  trace "payload-$family" --payload 48454c4c4f --size 200 -q 1 forward udp singlepath "$target"
  rc=$?
  packets=$(lab_exec server nft list counter inet rtt_payload "payload_v$family" | awk '/packets/ { print $2 }')
  checks=$((checks + 1))
  [ "$rc" -eq 0 ] && [ "${packets:-0}" -ge 1 ] ||
    fail "v$family payload: exit code $rc, $packets probes of 200 bytes with the payload arrived: $(cat "$tmp/payload-$family.err")"
done

# UDP to port 53 of a name server: the DNS answer ends the trace.
# Not through lab_exec: $! must be dnsmasq itself (ip netns exec execs it), or kill misses it.
ip netns exec "$(lab_ns server)" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts --user=root \
  --port=53 --pid-file= > "$tmp/dnsmasq.log" 2>&1 &
dns_pid=$!
for _ in $(seq 50); do
  lab_exec server ss -lun | grep ":53 " > /dev/null && break
  sleep 0.1
done
for family in 4 6; do
  target=$(lab_addr "server:$server_link" "$family")
  trace "dns-$family" -p 53 forward udp singlepath "$target"
  rc=$?
  checks=$((checks + 1))
  [ "$rc" -eq 0 ] && grep -q "^forward: reached $target; DNS answered" "$tmp/dns-$family.txt" &&
    grep -q "^ *4  $target " "$tmp/dns-$family.txt" ||
    fail "v$family DNS: exit code $rc: $(cat "$tmp/dns-$family.txt" "$tmp/dns-$family.err")"
done

# --banner: a service that speaks first (2222), one that waits (2223), a closed port (2224),
# a port the server's firewall drops (2225: the trace never reaches it, so no connection).
ip netns exec "$(lab_ns server)" /usr/bin/python3 -c '
import socket, threading
def serve(port, greeting):
    listener = socket.create_server(("::", port), family=socket.AF_INET6, dualstack_ipv6=True)
    held = []
    while True:
        connection, _ = listener.accept()
        if greeting:
            connection.sendall(greeting)
        held.append(connection)
threading.Thread(target=serve, args=(2222, b"SSH-2.0-rtt-lab\x01 ready\r\nsecond line\r\n"), daemon=True).start()
serve(2223, b"")
' > "$tmp/services.log" 2>&1 &
services_pid=$!
lab_exec server nft add table inet rtt_filter
lab_exec server nft add chain inet rtt_filter input "{ type filter hook input priority 0; }"
lab_exec server nft add rule inet rtt_filter input tcp dport 2225 drop
for _ in $(seq 50); do
  [ "$(lab_exec server ss -ltn | grep -c ":222[23] ")" -eq 2 ] && break
  sleep 0.1
done
for family in 4 6; do
  target=$(lab_addr "server:$server_link" "$family")
  for case in "2222 sent banner: port 2222: SSH-2.0-rtt-lab\\x01 ready" \
    "2223 silent banner: port 2223 is open but sent nothing within 1 s" \
    "2224 closed banner: port 2224 is closed (the connection was refused)" \
    "2225 not_reached banner: none: the trace did not reach TCP port 2225"; do
    read -r port state line <<< "$case"
    trace "banner-$port-$family" --banner 1 -m 5 -p "$port" forward tcp singlepath "$target"
    rc=$?
    json_state=$(/usr/bin/python3 -c 'import json, sys; b = json.load(open(sys.argv[1])).get("banner", {}); print(b.get("port"), b.get("state"), b.get("text", ""))' "$tmp/banner-$port-$family.json" 2>&1)
    checks=$((checks + 1))
    grep -qF "$line" "$tmp/banner-$port-$family.txt" && [ "${json_state%% *}" = "$port" ] &&
      [ "$(echo "$json_state" | cut -d' ' -f2)" = "$state" ] ||
      fail "v$family --banner port $port: exit code $rc, JSON '$json_state', expected '$state': $(cat "$tmp/banner-$port-$family.txt" "$tmp/banner-$port-$family.err")"
    out=$(lab_schema_valid "$tmp/banner-$port-$family.json") || fail "v$family banner JSON: $out"
  done
done

# A probe bigger than the route's MTU: one sentence, nothing sent.
target=$(lab_addr "server:$server_link" 4)
trace too-big --size 1600 forward udp singlepath "$target"
rc=$?
checks=$((checks + 1))
[ "$rc" -eq 1 ] && [ "$(cat "$tmp/too-big.err")" = "reverse-traceroute: probes of 1600 bytes do not fit the route's MTU of 1500 bytes: give --size 1500 or less" ] ||
  fail "--size 1600: exit code $rc: $(cat "$tmp/too-big.err")"

# --mtu: the r2-r3 link (link 3) gets MTU 1280. The drop is found at hop 3 (the first probe
# through that link), said by r2 (its address on link 2); then with r2's "fragmentation needed"
# and "packet too big" dropped, the same drop is a black hole after r2, found by bisection.
for node in r2 r3; do
  for iface in $(lab_only_iface "$node"); do
    lab_exec "$node" ip -o addr show dev "$iface" | grep " 198\.18\.3\." > /dev/null && lab_exec "$node" ip link set dev "$iface" mtu 1280
  done
done
lowered=$(for node in r2 r3; do lab_exec "$node" ip -o link show | grep -c " mtu 1280 "; done | awk "{ n += \$1 } END { print n }")
checks=$((checks + 1))
[ "$lowered" = 2 ] || fail "--mtu: $lowered interfaces of link 3 have MTU 1280, expected both ends"
# check_mtu NAME HOW EXPECTED_LINE RC FAMILY: the text has the line and the sizes per hop, the
# JSON the one drop at hop 3.
check_mtu() {
  local name=$1 how=$2 line=$3 rc=$4 family=$5 out
  checks=$((checks + 1))
  [ "$rc" -eq 0 ] && grep -qF "$line" "$tmp/$name.txt" && grep -q "^ *4  .*pmtu 1280$" "$tmp/$name.txt" &&
    grep -q "^ *2  .*pmtu 1500$" "$tmp/$name.txt" ||
    { fail "$name: exit code $rc, expected '$line': $(cat "$tmp/$name.txt" "$tmp/$name.err")"; return; }
  out=$(/usr/bin/python3 - "$tmp/$name.json" "$how" "$(lab_addr r2:2 "$family")" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))["path_mtu"]
how, r2 = sys.argv[2], sys.argv[3]
drop = {"ttl": 3, "from": 1500, "to": 1280, "how": how}
drop.update({"reported_by": r2, "reported_mtu": 1280} if how == "too_big" else {"after": r2})
want = {"first": 1500, "found": 1280, "reached": True, "drops": [drop]}
if m != want:
    print(f"path_mtu {m}, expected {want}")
PY
  )
  checks=$((checks + 1))
  [ -z "$out" ] || fail "$name JSON: $out"
  out=$(lab_schema_valid "$tmp/$name.json") || fail "$name JSON: $out"
}
for family in 4 6; do
  target=$(lab_addr "server:$server_link" "$family")
  protocol=udp
  [ "$family" = 6 ] && protocol=tcp
  trace "mtu-$family" --mtu forward "$protocol" singlepath "$target"
  rc=$?
  check_mtu "mtu-$family" too_big "hop 3: 1500 -> 1280 bytes: $(lab_addr r2:2 "$family") said the packet is too big (MTU 1280)" $rc "$family"
done
lab_exec r2 nft add table inet rtt_black_hole
lab_exec r2 nft add chain inet rtt_black_hole out "{ type filter hook output priority 0; }"
lab_exec r2 nft add rule inet rtt_black_hole out icmp type destination-unreachable icmp code frag-needed drop
lab_exec r2 nft add rule inet rtt_black_hole out icmpv6 type packet-too-big drop
for family in 4 6; do
  target=$(lab_addr "server:$server_link" "$family")
  protocol=icmp
  [ "$family" = 6 ] && protocol=udp
  trace "black-hole-$family" --mtu forward "$protocol" singlepath "$target"
  rc=$?
  check_mtu "black-hole-$family" black_hole \
    "hop 3: 1500 -> 1280 bytes: black hole: probes of 1281 bytes or more vanish after $(lab_addr r2:2 "$family") with no ICMP error" $rc "$family"
done

lab_summary
