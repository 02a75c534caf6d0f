#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Lab test of the looking glass (issue 28) on the real network: in the diamond's client
# namespace, reverse-traceroute-prober (started as root, it keeps cap_net_raw alone) listens on
# a socket, and the collector runs as nobody with --looking-glass. Through HTTP: two-way
# multipath traces to the lab server over IPv4 and IPv6 (the stored measurement and the event
# stream both match the topology's truth), a name served by the test's own DNS server (dnsmasq)
# traced by its address, and a name resolving to a private address refused. Last, names whose DNS
# never answers (dnsmasq forwards them to a socket that drops every query): each request is
# answered within 2 s of lookup, a few at once are refused outright, and the collector keeps
# answering meanwhile.
# Usage: looking_glass_test.sh BUILD_DIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=netlab.sh
source "$here/netlab.sh"
lab_require_root

build=$1
server_bin="$build/server/reverse-traceroute-server"
prober_bin="$build/prober/reverse-traceroute-prober"
collector_bin="$build/collector/reverse-traceroute-collector"

tmp=$(mktemp -d)
chmod 755 "$tmp"
prober_pid='' collector_pid='' dns_pid='' blackhole_pid=''
cleanup() {
  for pid in $collector_pid $prober_pid $dns_pid $blackhole_pid; do kill "$pid" 2> /dev/null && wait "$pid" 2> /dev/null; done
  lab_down
  rm -rf "$tmp"
}
trap cleanup EXIT

topology="$here/topologies/diamond.topo"
lab_up "$topology"
server_link=$(lab_link_between server r3)
LAB_SERVER_LOG=$tmp/server.log
lab_start_server "$server_bin" "$(lab_only_iface server)" || fail "the server did not attach: $(cat "$tmp/server.log")"

# The test's own DNS server: one name for the lab server, one for a private address.
server_v4=$(lab_addr "server:$server_link" 4)
server_v6=$(lab_addr "server:$server_link" 6)
# Not through lab_exec: $! must be dnsmasq itself (ip netns exec execs it).
ip netns exec "$(lab_ns client)" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts --user=root \
  --listen-address=127.0.0.1 --bind-interfaces --port=53 --pid-file= \
  --host-record="server.glass.example,$server_v4" --host-record=private.glass.example,10.9.9.9 \
  --server=/slow.glass.example/127.0.0.1#5454 \
  > "$tmp/dnsmasq.log" 2>&1 &
dns_pid=$!
lab_hosts client
for _ in $(seq 50); do
  lab_exec client ss -lun | grep "127.0.0.1:53 " > /dev/null && break
  sleep 0.1
done

# Where slow.glass.example's queries go: a socket that reads them and never answers.
ip netns exec "$(lab_ns client)" /usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 5454))
while True:
    s.recv(4096)' &
blackhole_pid=$!

# The prober: root starts it, it keeps cap_net_raw and nothing else; its socket is the only way in.
ip netns exec "$(lab_ns client)" "$prober_bin" --listen "$tmp/prober.sock" --mode 0666 --pps 1000 \
  < /dev/null > "$tmp/prober.log" 2>&1 &
prober_pid=$!
for _ in $(seq 100); do [ -S "$tmp/prober.sock" ] && break; sleep 0.05; done
checks=$((checks + 1))
[ -S "$tmp/prober.sock" ] || fail "the prober did not listen: $(cat "$tmp/prober.log")"

# The collector as nobody: no capability, no root.
echo "lab-secret lab trace,read" > "$tmp/tokens"
chmod 644 "$tmp/tokens"
mkdir "$tmp/state" && chown 65534:65534 "$tmp/state"
ip netns exec "$(lab_ns client)" setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
  "$collector_bin" --listen 127.0.0.1:0 --db "$tmp/state/glass.db" --token-file "$tmp/tokens" --looking-glass \
  --prober-socket "$tmp/prober.sock" --trace-allow 198.18.0.0/15 --trace-allow 2001:db8::/32 \
  < /dev/null 2> "$tmp/collector.log" &
collector_pid=$!
url=
for _ in $(seq 100); do
  url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$tmp/collector.log" | head -1)
  [ -n "$url" ] && break
  sleep 0.05
done
checks=$((checks + 1))
[ -n "$url" ] || { fail "the collector did not start: $(cat "$tmp/collector.log")"; lab_summary; exit 1; }
checks=$((checks + 1))
grep -q '^CapEff:\s*0*$' "/proc/$collector_pid/status" && [ "$(stat -c %u "/proc/$collector_pid")" = 65534 ] ||
  fail "the collector runs with privileges: $(grep Cap /proc/$collector_pid/status)"

# The truth of each direction by TTL, as the lab addresses it: {"1": [addresses], ...}.
truth() {  # truth NAME FAMILY
  local ttl=0 hop alt list
  printf '{'
  for hop in $(lab_truth "$topology" "$1"); do
    ttl=$((ttl + 1))
    list=
    IFS='|' read -ra alts <<< "$hop"
    for alt in "${alts[@]}"; do list="$list\"$(lab_addr "$alt" "$2")\","; done
    [ $ttl -gt 1 ] && printf ','
    printf '"%d": [%s]' "$ttl" "$(tr ',' '\n' <<< "${list%,}" | sort -u | paste -sd,)"
  done
  printf '}'
}
forward4=$(truth forward 4) reverse4=$(truth reverse 4)
forward6=$(truth forward 6) reverse6=$(truth reverse 6)
cases=$(cat << EOF
[
 {"body": {"target": "$server_v4", "direction": "two-way", "engine": "multipath", "confidence": 0.001}, "status": 202,
  "forward": $forward4, "reverse": $reverse4, "destination": "$server_v4"},
 {"body": {"target": "$server_v6", "direction": "two-way", "engine": "multipath", "confidence": 0.001}, "status": 202,
  "forward": $forward6, "reverse": $reverse6},
 {"body": {"target": "server.glass.example", "direction": "two-way", "protocol": "icmp"}, "status": 202,
  "target": "server.glass.example", "destination": "$server_v4",
  "within": {"forward": $forward4, "reverse": $reverse4}},
 {"body": {"target": "private.glass.example"}, "status": 403,
  "error": "private.glass.example resolves to 10.9.9.9, which is a private (RFC 1918) address"},
 {"body": {"target": "\$(reboot)"}, "status": 400, "error": "\"\$(reboot)\" is not a host name or address"}
]
EOF
)
# The multipath cases ask for the smallest failure probability a looking glass allows (0.001 per
# branching point): at the default 0.05 a correct engine misses one of the diamond's four
# branchings in about one run in six. The third case is a single path: one branch each way.
out=$(lab_exec client /usr/bin/python3 "$here/looking_glass_lab.py" "$url" lab-secret "$cases" 2>&1)
rc=$?
echo "$out"
checks=$((checks + 5))
[ $rc -eq 0 ] || fail "looking glass over HTTP: $(grep FAIL <<< "$out")"

# Six requests for names whose DNS never answers, all at once, and the health check meanwhile.
out=$(lab_exec client /usr/bin/python3 - "$url" << 'PY'
import concurrent.futures, http.client, json, sys, time
from urllib.parse import urlparse
url = urlparse(sys.argv[1])
def ask(method, path, body=None):
    started = time.monotonic()
    c = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    c.request(method, path, body, {"Authorization": "Bearer lab-secret"})
    r = c.getresponse()
    text = r.read().decode()
    return r.status, time.monotonic() - started, text
with concurrent.futures.ThreadPoolExecutor(7) as pool:
    slow = [pool.submit(ask, "POST", "/api/v1/traces", json.dumps({"target": f"n{i}.slow.glass.example"}))
            for i in range(6)]
    time.sleep(0.5)
    health = ask("GET", "/healthz")
    answers = [f.result() for f in slow]
print(f"healthz {health[0]} after {health[1]:.2f} s")
for status, seconds, text in answers:
    print(f"{status} after {seconds:.2f} s: {text.strip()}")
PY
)
echo "$out"
checks=$((checks + 4))
grep -qE '^healthz 200 after 0\.[0-4]' <<< "$out" || fail "the collector stalled while names were looked up: $out"
[ "$(grep -cE '^422 after [2-5]\.[0-9]+ s: .*did not resolve within 2 s' <<< "$out")" -eq 4 ] ||
  fail "four slow names should each be given up after 2 s: $out"
# Over the limit: refused without a lookup (a request that reached an event loop busy with a
# lookup waits for it, 2 s a lookup; connections arriving later go to a free loop, as the health
# check shows).
[ "$(grep -cE '^503 after [0-4]\.[0-9]+ s: .*too many names are being looked up at once' <<< "$out")" -eq 2 ] ||
  fail "the two lookups over the limit should be refused: $out"
[ "$(grep -cE '^(422|503) ' <<< "$out")" -eq 6 ] || fail "not every slow request was answered: $out"
lab_summary
