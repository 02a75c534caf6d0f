#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The network lab (docs/lab.md): turns a topology file into network namespaces joined by
# veth pairs, with real Linux routers forwarding, load balancing and sending ICMP errors.
# Source it, then: lab_up FILE; lab_exec NODE CMD...; lab_addr NODE:LINK 4|6; lab_down.
#
# Topology files hold one statement per line (# starts a comment):
#   node NAME                         a host or router (routers forward; see `router`)
#   router NAME                       a node that forwards
#   link N A B                        veth between A and B on 198.18.N.0/24 and 2001:db8:N::/64;
#                                     A gets .1 / ::1, B gets .2 / ::2; the interfaces are named
#                                     after the peer (in A: "B", in B: "A")
#   route NODE DEST via NB [NB...]    DEST: a link number or "default"; several neighbours = ECMP
#   truth NAME HOP HOP ...            ground truth, read by the tests: HOP is NODE:LINK or
#                                     alternatives NODE:LINK|NODE:LINK (load-balanced hop)
# Only 198.18.0.0/15 and 2001:db8::/32 are used, nothing connects to the host's interfaces,
# and lab_down (also run from the EXIT trap) stops the server and deletes every namespace it made.

LAB_PREFIX=${LAB_PREFIX:-rtl$$}
# Every router hashes flows with its own seed, derived from this base: with one shared seed
# (the kernel's default) all routers make the same choice for a flow and whole branches of a
# nested diamond can never be taken. A new base gives a new flow→path mapping (lab_reseed).
LAB_HASH_SEED=${LAB_HASH_SEED:-$((RANDOM * 32768 + RANDOM))}
declare -gA LAB_LINK_A LAB_LINK_B
declare -ga LAB_NODES

lab_ns() { echo "${LAB_PREFIX}-$1"; }

lab_exec() {
  local node=$1; shift
  ip netns exec "$(lab_ns "$node")" "$@"
}

# The lab's address rule, the only place this script writes it (the simulator's copy is
# sim/topology.cpp; unit.lab_address_rule checks the two agree): link N is 198.18.N.0/24 and
# 2001:db8:N::/64, its end A is host 1 and its end B host 2. With no END, the link's prefix.
lab_link_address() {
  local link=$1 end=${2:-} family=$3
  if [ -z "$end" ]; then
    if [ "$family" = 6 ]; then echo "2001:db8:$link::/64"; else echo "198.18.$link.0/24"; fi
  elif [ "$family" = 6 ]; then echo "2001:db8:$link::$end"; else echo "198.18.$link.$end"; fi
}

# The address of NODE on link N: lab_addr r1:3 4 → 198.18.3.x
lab_addr() {
  local node=${1%%:*} link=${1##*:} family=$2 host
  if [ "${LAB_LINK_A[$link]}" = "$node" ]; then host=1
  elif [ "${LAB_LINK_B[$link]}" = "$node" ]; then host=2
  else echo "lab: $node is not on link $link" >&2; return 1; fi
  lab_link_address "$link" "$host" "$family"
}

# The link joining two nodes.
lab_link_between() {
  local a=$1 b=$2 n
  for n in "${!LAB_LINK_A[@]}"; do
    if { [ "${LAB_LINK_A[$n]}" = "$a" ] && [ "${LAB_LINK_B[$n]}" = "$b" ]; } ||
       { [ "${LAB_LINK_A[$n]}" = "$b" ] && [ "${LAB_LINK_B[$n]}" = "$a" ]; }; then
      echo "$n"; return 0
    fi
  done
  echo "lab: no link between $a and $b" >&2
  return 1
}

# The ground truth line NAME of a topology file, as words.
lab_truth() {
  awk -v name="$2" '$1 == "truth" && $2 == name { $1 = ""; $2 = ""; print }' "$1"
}

# Does ADDRESS match one of the ground-truth alternatives NODE:LINK|NODE:LINK in FAMILY?
hop_matches() {
  local address=$1 alternatives=$2 family=$3 alt
  IFS='|' read -ra alts <<< "$alternatives"
  for alt in "${alts[@]}"; do
    [ "$(lab_addr "$alt" "$family")" = "$address" ] && return 0
  done
  return 1
}

_lab_add_node() {
  local name=$1 forwarding=$2 ns
  ns=$(lab_ns "$name")
  ip netns add "$ns"
  LAB_NODES+=("$name")
  ip -n "$ns" link set lo up
  local s=(
    net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0
    net.ipv4.icmp_msgs_per_sec=100000 net.ipv4.icmp_msgs_burst=100000
    net.ipv4.icmp_errors_use_inbound_ifaddr=1
    net.ipv4.fib_multipath_hash_policy=1 net.ipv6.fib_multipath_hash_policy=1
    net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
    net.ipv4.ip_forward="$forwarding" net.ipv6.conf.all.forwarding="$forwarding"
  )
  ip netns exec "$ns" sysctl -qw "${s[@]}" >/dev/null
  _lab_seed_node "$name" "${#LAB_NODES[@]}"
}

_lab_seed_node() {
  local seed=$(( (LAB_HASH_SEED * 2654435761 + $2 * 40503 + 1) % 2147483647 + 1 ))
  ip netns exec "$(lab_ns "$1")" sysctl -qw net.ipv4.fib_multipath_hash_seed="$seed" >/dev/null
}

# A new flow→path mapping on every router: lab_reseed BASE
lab_reseed() {
  LAB_HASH_SEED=$1
  local i
  for i in "${!LAB_NODES[@]}"; do _lab_seed_node "${LAB_NODES[$i]}" "$((i + 1))"; done
}

_lab_add_link() {
  local n=$1 a=$2 b=$3
  LAB_LINK_A[$n]=$a
  LAB_LINK_B[$n]=$b
  ip link add "rtl$$-$n" netns "$(lab_ns "$a")" type veth peer name "rtl$$-$n-b" netns "$(lab_ns "$b")"
  ip -n "$(lab_ns "$a")" link set "rtl$$-$n" name "$b"
  ip -n "$(lab_ns "$b")" link set "rtl$$-$n-b" name "$a"
  ip -n "$(lab_ns "$a")" addr add "$(lab_link_address "$n" 1 4)/24" dev "$b"
  ip -n "$(lab_ns "$b")" addr add "$(lab_link_address "$n" 2 4)/24" dev "$a"
  ip -n "$(lab_ns "$a")" -6 addr add "$(lab_link_address "$n" 1 6)/64" dev "$b" nodad
  ip -n "$(lab_ns "$b")" -6 addr add "$(lab_link_address "$n" 2 6)/64" dev "$a" nodad
  ip -n "$(lab_ns "$a")" link set "$b" up
  ip -n "$(lab_ns "$b")" link set "$a" up
}

_lab_add_route() {
  local node=$1 dest=$2 family nb hops dst
  shift 3  # node dest "via"
  for family in 4 6; do
    hops=()
    for nb in "$@"; do
      local link; link=$(lab_link_between "$node" "$nb") || return 1
      hops+=(nexthop via "$(lab_addr "$nb:$link" "$family")" dev "$nb")
    done
    if [ "$dest" = default ]; then dst=default
    else dst=$(lab_link_address "$dest" "" "$family"); fi
    if [ $# -eq 1 ]; then
      ip -n "$(lab_ns "$node")" -"$family" route add "$dst" via "$(lab_addr "$1:$(lab_link_between "$node" "$1")" "$family")" dev "$1"
    else
      ip -n "$(lab_ns "$node")" -"$family" route add "$dst" "${hops[@]}"
    fi
  done
}

lab_up() {
  local file=$1 word rest
  # The caller's own EXIT trap (which must call lab_down) is kept; without one, lab_down is it.
  [ -n "$(trap -p EXIT)" ] || trap lab_down EXIT
  # A signal (Ctrl-C, a closed pipe, kill) must also end in lab_down: exit runs the EXIT trap.
  trap 'exit 130' INT TERM HUP PIPE
  while read -r word rest; do
    # shellcheck disable=SC2086
    case "$word" in
      ""|\#*|truth) ;;
      node) _lab_add_node $rest 0 ;;
      router) _lab_add_node $rest 1 ;;
      link) _lab_add_link $rest ;;
      route) _lab_add_route $rest ;;
      *) echo "lab: unknown statement '$word' in $file" >&2; return 1 ;;
    esac
  done < "$file"
}

lab_down() {
  local node
  lab_stop_server  # a server left running would outlive its namespace
  for node in "${LAB_NODES[@]}"; do
    ip netns del "$(lab_ns "$node")" 2>/dev/null
    rm -rf "/etc/netns/$(lab_ns "$node")"
  done
  LAB_NODES=()
}

# The server in the server namespace on IFACE, with more server options after it; waits until
# its filter is attached (returns 1 if it never is). Sets LAB_SERVER_PID; its output is appended
# to LAB_SERVER_LOG (default: discarded). Appended, so that /dev/stdout redirected to a file
# (`scripts/demo > demo.log`) is not truncated by the server's start.
_lab_filter_ids() {  # _lab_filter_ids NODE IFACE: ids of the rtt_ingress programs on IFACE's ingress
  # None yet is an answer, not a failure: callers may run under `set -e -o pipefail` (scripts/demo).
  lab_exec "$1" tc filter show dev "$2" ingress | grep rtt_ingress | grep -o ' id [0-9]*' | sort |
    tr -d '\n' || true
}

# The only interface of NODE besides lo (a host on one link).
lab_only_iface() {
  lab_exec "$1" ip -o link show | awk -F': ' '$2 != "lo" { sub(/@.*/, "", $2); print $2 }'
}

lab_start_server() {  # lab_start_server SERVER_BIN IFACE [options...]; on LAB_SERVER_NODE (server)
  local bin=$1 iface=$2 node=${LAB_SERVER_NODE:-server} before now; shift 2
  # Attached = a program id on the interface that was not there before: a second instance (v4
  # and v6 side by side) adds one, a restart after kill -9 replaces the one left behind.
  before=$(_lab_filter_ids "$node" "$iface")
  # Not through lab_exec: $! must be the server itself (ip netns exec execs it).
  ip netns exec "$(lab_ns "$node")" "$bin" --stats-interval 0 "$@" "$iface" >> "${LAB_SERVER_LOG:-/dev/null}" 2>&1 &
  LAB_SERVER_PID=$!
  for _ in $(seq 50); do
    now=$(_lab_filter_ids "$node" "$iface")
    [ -n "$now" ] && [ "$now" != "$before" ] && return 0
    sleep 0.1
  done
  return 1
}

lab_stop_server() {
  # SIGTERM: background jobs of a non-interactive shell ignore SIGINT.
  [ -n "${LAB_SERVER_PID:-}" ] || return 0
  kill -TERM "$LAB_SERVER_PID" 2>/dev/null
  wait "$LAB_SERVER_PID" 2>/dev/null
  LAB_SERVER_PID=
}

# Test bookkeeping: `fail MESSAGE` counts a failure, tests count their checks in `checks`, and
# lab_summary prints both and fails if anything did.
failures=0
checks=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
lab_summary() {
  echo "$checks checks, $failures failures"
  [ "$failures" -eq 0 ]
}

# Does FILE validate against docs/measurement.schema.json? Prints the first violation if not.
# (Debian's python3-jsonschema; /usr/bin/python3, not whatever python3 is first on PATH.)
lab_schema_valid() {
  /usr/bin/python3 - "$(dirname "${BASH_SOURCE[0]}")/../../docs/measurement.schema.json" "$1" <<'PY'
import json, sys, jsonschema
schema, document = (json.load(open(path)) for path in sys.argv[1:3])
error = jsonschema.exceptions.best_match(jsonschema.Draft7Validator(schema).iter_errors(document))
if error is not None:
    print(f"{sys.argv[2]}: {'/'.join(map(str, error.absolute_path))}: {error.message}")
    sys.exit(1)
PY
}

# Names for addresses inside NODE's namespace: `ip netns exec` shows each file of
# /etc/netns/NS in place of /etc's, so reverse lookups find them in the hosts file. The lookup
# order (files, then DNS) and the name server are set too, so this machine's own resolver
# settings never reach the lab: 127.0.0.1 has no DNS server in the namespace unless a test
# starts one, so a DNS lookup fails at once. lab_hosts NODE "ADDRESS NAME"...
lab_hosts() {
  local dir
  dir="/etc/netns/$(lab_ns "$1")"; shift
  mkdir -p "$dir"
  printf '%s\n' "127.0.0.1 localhost" "$@" > "$dir/hosts"
  echo "hosts: files dns" > "$dir/nsswitch.conf"
  [ -e "$dir/resolv.conf" ] || echo "nameserver 127.0.0.1" > "$dir/resolv.conf"
}

# A terminal program under tmux (the live view). lab_tmux_client SESSION RC_FILE ARGS... runs
# ARGS (the client and its arguments) in the client namespace in a new tmux session, writing its
# exit code to RC_FILE, in a pane LAB_TMUX_COLUMNS wide (220); lab_tmux_exit_code RC_FILE prints
# it once written (10 s at most);
# lab_tmux_screen SESSION prints what the pane shows; lab_tmux_wait_for SESSION PATTERN waits
# (10 s at most) until the pane shows PATTERN.
lab_tmux_client() {
  local session=$1 rc_file=$2; shift 2
  tmux new-session -d -s "$session" -x "${LAB_TMUX_COLUMNS:-220}" -y 40 \
    "ip netns exec $(lab_ns client) $(printf '%q ' "$@"); echo \$? > $(printf '%q' "$rc_file"); sleep 30"
}
lab_tmux_exit_code() {
  local _
  for _ in $(seq 100); do [ -f "$1" ] && break; sleep 0.1; done
  cat "$1" 2>/dev/null
}
lab_tmux_screen() { tmux capture-pane -p -t "$1"; }
lab_tmux_wait_for() {
  local _
  for _ in $(seq 100); do
    lab_tmux_screen "$1" | grep -- "$2" > /dev/null && return 0
    sleep 0.1
  done
  return 1
}

# lab_lossy_errors NODE PERCENT ADDR4 ADDR6: NODE drops a random PERCENT of the time-exceeded
# errors it sends toward ADDR4 / ADDR6 (nft numgen), counting them; lab_lossy_drops NODE prints
# how many it dropped so far; lab_lossless NODE removes the rules.
lab_lossy_errors() {
  local node=$1 percent=$2
  lab_exec "$node" nft add table inet lossy
  lab_exec "$node" nft add chain inet lossy out '{ type filter hook output priority 0; }'
  lab_exec "$node" nft add rule inet lossy out ip daddr "$3" icmp type time-exceeded \
    numgen random mod 100 '<' "$percent" counter drop
  lab_exec "$node" nft add rule inet lossy out ip6 daddr "$4" icmpv6 type time-exceeded \
    numgen random mod 100 '<' "$percent" counter drop
}
lab_lossy_drops() {
  lab_exec "$1" nft list table inet lossy |
    awk '/counter/ { for (i = 1; i < NF; i++) if ($i == "packets") n += $(i + 1) } END { print n + 0 }'
}
lab_lossless() { lab_exec "$1" nft delete table inet lossy 2> /dev/null; }

# NODE sends no ICMP errors any more (an unresponsive router).
lab_silence() {
  lab_exec "$1" nft add table inet silent
  lab_exec "$1" nft add chain inet silent out '{ type filter hook output priority 0; }'
  lab_exec "$1" nft add rule inet silent out meta l4proto '{ icmp, ipv6-icmp }' drop
}

# Linux's default ICMP rate limits on every node: 1 error per second per peer after a burst of
# 6 (icmp_ratelimit 1000 ms), and the global 1000/s with a burst of 50.
lab_default_icmp_limits() {
  local node
  for node in "${LAB_NODES[@]}"; do
    lab_exec "$node" sysctl -qw net.ipv4.icmp_ratelimit=1000 net.ipv6.icmp.ratelimit=1000 \
      net.ipv4.icmp_msgs_per_sec=1000 net.ipv4.icmp_msgs_burst=50 >/dev/null
  done
}

# Exit code 77 tells CTest the test was skipped; the reason goes to the log.
lab_require_root() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "skipped: the lab needs root to create network namespaces"
    exit 77
  fi
  if ! ip netns add "${LAB_PREFIX}-probe" 2>/dev/null; then
    echo "skipped: cannot create network namespaces here"
    exit 77
  fi
  ip netns del "${LAB_PREFIX}-probe"
}
