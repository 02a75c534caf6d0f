#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The looking glass in the namespace lab (diamond topology, the server on its far end): the
# prober (its default --pps 100) and the collector (its default limits: 2 running, 20 queued, 20
# an hour per address; --open-traces, so the quota per address is the one that counts) in the
# client's namespace. Measures POST to first hop event, then 50 requests from 10 addresses at
# once (bench/looking_glass_load.py), while an nft counter on the client's way out counts every
# packet the prober sends (probes and reverse requests; not the ICMP errors the client's kernel
# sends when the reverse probes reach it), sampled each second: the budget held if no second
# exceeds --pps. Written into docs/benchmarks.md (looking-glass section).
# Usage: sudo bash bench/looking_glass_load.sh BUILD_DIR [RUNS]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$1" && pwd) runs=${2:-10}
source "$here/../tests/lab/netlab.sh"
lab_require_root
tmp=$(mktemp -d)
chmod 755 "$tmp"
prober_pid='' collector_pid=''
cleanup() {
  for pid in $collector_pid $prober_pid; do kill "$pid" 2> /dev/null && wait "$pid" 2> /dev/null; done
  lab_stop_server
  lab_down
  rm -rf "$tmp"
}
trap cleanup EXIT
lab_up "$here/../tests/lab/topologies/diamond.topo"
lab_start_server "$build/server/reverse-traceroute-server" "$(lab_only_iface server)" ||
  { echo "the server did not start"; exit 1; }
client_if=$(lab_only_iface client)
addresses=$(lab_addr client:1 4)
for i in $(seq 101 110); do
  lab_exec client ip addr add "198.18.1.$i/24" dev "$client_if"
  addresses="$addresses,198.18.1.$i"
done
lab_exec client nft -f - << EOF
table inet bench {
  counter out { }
  chain output {
    type filter hook output priority 0;
    icmp type { destination-unreachable, time-exceeded } return
    oifname "$client_if" counter name out
  }
}
EOF

ip netns exec "$(lab_ns client)" "$build/prober/reverse-traceroute-prober" --listen "$tmp/prober.sock" --mode 0666 \
  < /dev/null > "$tmp/prober.log" 2>&1 &
prober_pid=$!
for _ in $(seq 100); do [ -S "$tmp/prober.sock" ] && break; sleep 0.05; done
mkdir "$tmp/state" && chown 65534:65534 "$tmp/state"
echo "unused-secret nobody read" > "$tmp/tokens"
chmod 644 "$tmp/tokens"
ip netns exec "$(lab_ns client)" setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
  "$build/collector/reverse-traceroute-collector" --listen "$(lab_addr client:1 4):0" --db "$tmp/state/glass.db" \
  --token-file "$tmp/tokens" --looking-glass --prober-socket "$tmp/prober.sock" --open-traces \
  --trace-allow 198.18.0.0/15 < /dev/null 2> "$tmp/collector.log" &
collector_pid=$!
url=
for _ in $(seq 100); do
  url=$(grep -o 'http://[0-9.]*:[0-9]*' "$tmp/collector.log" | head -1)
  [ -n "$url" ] && break
  sleep 0.05
done
[ -n "$url" ] || { echo "the collector did not start: $(cat "$tmp/collector.log")"; exit 1; }

# The counter, each second, until the load script ends.
sample() { lab_exec client nft -j list counter inet bench out | /usr/bin/python3 -c \
  'import json, sys; print([o["counter"]["packets"] for o in json.load(sys.stdin)["nftables"] if "counter" in o][0])'; }
(while :; do echo "$(date +%s.%N) $(sample)"; sleep 1; done) > "$tmp/counter" &
sampler=$!
report=$(ip netns exec "$(lab_ns client)" /usr/bin/python3 "$here/looking_glass_load.py" "$url" \
  "$(lab_addr server:6 4)" "$addresses" 5 "$runs") || { echo "$report"; kill $sampler; exit 1; }
kill $sampler
wait $sampler 2> /dev/null
rates=$(awk 'NR > 1 { rate = ($2 - packets) / ($1 - time); if (rate > peak) peak = rate; if (rate > 0) { sum += rate; n++ } }
             { time = $1; packets = $2 }
             END { printf "packets the prober sent per second, sampled each second: peak %.0f, mean %.0f while sending (its --pps: 100)", peak, sum / n }' \
  "$tmp/counter")
report="$report
$rates"
echo "$report"
python3 "$here/doc_section.py" --code looking-glass "The looking glass: first hop and the default limits under load (lab)" \
  "sudo bash bench/looking_glass_load.sh build $runs" <<< "$report"
