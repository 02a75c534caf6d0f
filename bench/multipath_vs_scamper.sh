#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Multipath discovery against scamper's tracelb (MDA, `-P udp-dport`, its defaults) in the same
# lab and the same run, forward UDP IPv4, both at 95% confidence:
#   1. diamond and wide topologies, no ICMP rate limits;
#   2. the diamond with Linux's default ICMP rate limits on every node (7 s pause before each
#      run so every router's bucket is full, as for a router that has not seen us lately);
#   3. the same rate-limited diamond with r2a silent (issue 31: a silent router and rate limits
#      at one hop); both graphs judged with r2a's vertex as a black hole;
#   4. our reverse and two-way multipath on the quiet diamond.
# Per case: median wall time (process start to exit, `ip netns exec` included) and median probe
# count of RUNS runs, and how far each graph is from the ground truth (lab-graph-check; scamper's
# graph is rebuilt from its probes' flow ids by the same rule as ours). With PREVIOUS_BUILD, that
# build's client runs beside this one's in every case (before/after a change, in one run).
# Writes its table into docs/benchmarks.md (the scamper section). Needs root.
# Usage: bench/multipath_vs_scamper.sh BUILD_DIR [RUNS] [PREVIOUS_BUILD]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tests/lab/netlab.sh"
lab_require_root
build=$1
runs=${2:-5}
previous=${3:-}
client="$build/client/reverse-traceroute"
previous_client=${previous:+$previous/client/reverse-traceroute}
check="$build/tests/lab/lab-graph-check"
command -v scamper >/dev/null || { echo "scamper is not installed: run scripts/install-deps"; exit 1; }
tmp=$(mktemp -d)
# The forward probes a measurement says it sent (its JSON: probes.forward.sent).
forward_probes() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["probes"]["forward"]["sent"])' "$1"; }
trap 'lab_down; rm -rf "$tmp"' EXIT

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
rows=""
elapsed_ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# Extra lab-graph-check options for the case running (--silent NODE).
check_options=()

# run_ours CLIENT TOPOLOGY TARGET PAUSE: one forward multipath trace; sets ms, probes and diff
# (the differences from the truth).
run_ours() {
  local start
  sleep "$4"
  start=$(date +%s%N)
  lab_exec client "$1" -n --json forward udp multipath "$3" > "$tmp/ours.json" 2> "$tmp/ours.txt"
  ms=$(elapsed_ms "$start")
  probes=$(forward_probes "$tmp/ours.json")
  diff=$("$check" "$2" forward 4 "$tmp/ours.json" "${check_options[@]}" | awk '/differences from the truth/ { print $7 }')
}

# run_case NAME TOPOLOGY TARGET PAUSE: RUNS runs of each tool; prints one line per tool.
run_case() {
  local name=$1 topo=$2 target=$3 pause=$4 i start ms probes diff
  local ours_ms=() ours_probes=() ours_diff=() theirs_ms=() theirs_probes=() theirs_diff=()
  local prev_ms=() prev_probes=() prev_diff=()
  for i in $(seq "$runs"); do
    run_ours "$client" "$topo" "$target" "$pause"
    ours_ms+=("$ms") ours_probes+=("$probes") ours_diff+=("$diff")
    if [ -n "$previous" ]; then
      run_ours "$previous_client" "$topo" "$target" "$pause"
      prev_ms+=("$ms") prev_probes+=("$probes") prev_diff+=("$diff")
    fi
    sleep "$pause"
    start=$(date +%s%N)
    lab_exec client scamper -O json -I "tracelb -P udp-dport $target" > "$tmp/scamper.json" 2>&1
    theirs_ms+=("$(elapsed_ms "$start")")
    theirs_probes+=("$(grep -o '"probec":[0-9]*' "$tmp/scamper.json" | grep -o '[0-9]*$')")
    theirs_diff+=("$("$check" "$topo" forward 4 "$tmp/scamper.json" --scamper "${check_options[@]}" | awk '/differences from the truth/ { print $7 }')")
  done
  local om op tm tp
  om=$(printf '%s\n' "${ours_ms[@]}" | median); op=$(printf '%s\n' "${ours_probes[@]}" | median)
  tm=$(printf '%s\n' "${theirs_ms[@]}" | median); tp=$(printf '%s\n' "${theirs_probes[@]}" | median)
  printf '%-22s reverse-traceroute %7s ms %5s probes, differences from truth per run: %s\n' "$name" "$om" "$op" "${ours_diff[*]}"
  printf '%-22s scamper tracelb    %7s ms %5s probes, differences from truth per run: %s\n' "" "$tm" "$tp" "${theirs_diff[*]}"
  printf '%-22s ratio (ours/scamper): time %s, probes %s\n' "" "$(ratio "$om" "$tm")" "$(ratio "$op" "$tp")"
  local previous_cell="–" versus_previous="–"
  if [ -n "$previous" ]; then
    local pm pp
    pm=$(printf '%s\n' "${prev_ms[@]}" | median); pp=$(printf '%s\n' "${prev_probes[@]}" | median)
    printf '%-22s previous build      %7s ms %5s probes, differences from truth per run: %s\n' "" "$pm" "$pp" "${prev_diff[*]}"
    previous_cell="$pm ms, $pp probes, differences ${prev_diff[*]}"
    versus_previous="$(ratio "$om" "$pm")"
  fi
  rows+="| $name | $om ms, $op probes, differences ${ours_diff[*]} | $previous_cell | $tm ms, $tp probes, differences ${theirs_diff[*]} | $(ratio "$om" "$tm") | $(ratio "$op" "$tp") | $versus_previous |"$'\n'
}

echo "median of $runs runs each, forward UDP IPv4, 95% confidence"
lab_up "$here/../tests/lab/topologies/diamond.topo"
run_case "diamond, quiet" "$here/../tests/lab/topologies/diamond.topo" 198.18.6.2 0
lab_start_server "$build/server/reverse-traceroute-server" r3
for mode in reverse two-way; do
  times=()
  for i in $(seq "$runs"); do
    start=$(date +%s%N)
    lab_exec client "$client" -n "$mode" udp multipath 198.18.6.2 > /dev/null 2>&1
    times+=("$(elapsed_ms "$start")")
  done
  printf '%-22s reverse-traceroute %7s ms (%s)\n' "diamond, $mode" "$(printf '%s\n' "${times[@]}" | median)" "$mode udp multipath"
  rows+="| diamond, $mode multipath (quiet) | $(printf '%s\n' "${times[@]}" | median) ms | | – | | | |"$'\n'
done
lab_stop_server
lab_default_icmp_limits
run_case "diamond, rate-limited" "$here/../tests/lab/topologies/diamond.topo" 198.18.6.2 7
lab_silence r2a
check_options=(--silent r2a)
run_case "diamond, rate-limited, r2a silent" "$here/../tests/lab/topologies/diamond.topo" 198.18.6.2 7
check_options=()
lab_down
lab_up "$here/../tests/lab/topologies/wide.topo"
run_case "wide, quiet" "$here/../tests/lab/topologies/wide.topo" 198.18.28.2 0
table="Forward UDP IPv4, both at 95% confidence, scamper $(scamper -v 2>&1 | grep -o '[0-9]\{8\}' | head -1) \`tracelb -P udp-dport\` with its defaults,
median of $runs runs each in one lab run, whole-process wall time including \`ip netns exec\`; \"differences\"
= vertices and links missing or false against the ground truth, per run (scamper's graph rebuilt from its
probes' flow ids by the same rule as ours)${previous:+; \"previous build\": $(git -C "$previous/.." describe --always 2> /dev/null || echo "$previous")}:

| case | this build | previous build | scamper | time / scamper | probes / scamper | time / previous |
|---|---|---|---|---|---|---|
$rows"
python3 "$here/doc_section.py" scamper "Multipath vs scamper tracelb" \
  "sudo bash bench/multipath_vs_scamper.sh build $runs${previous:+ PREVIOUS_BUILD}" <<< "$table"
