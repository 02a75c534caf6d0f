#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The server program's cost per packet and verifier work, this checkout against an earlier
# revision, in one sitting: both programs are built the same way (RelWithDebInfo, the same
# bench/bpf_cost.cpp), then run alternately RUNS times; prints the medians and the ratios and
# writes them into docs/benchmarks.md (the bpf-cost section).
# Usage (root): bench/bpf_cost_vs_previous.sh REVISION [RUNS]
set -euo pipefail
revision=${1:?usage: bench/bpf_cost_vs_previous.sh REVISION [RUNS]}
runs=${2:-7}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/rtt-bpf-cost.XXXXXX)
trap 'rm -rf "$work"' EXIT

build() { # NAME SOURCE_DIR
  cp "$here/bench/bpf_cost.cpp" "$2/bench/bpf_cost.cpp"
  cmake -S "$2" -B "$work/$1-build" -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
  cmake --build "$work/$1-build" --target bpf-cost -j "$(nproc)" > "$work/$1-build.log" 2>&1 ||
    { echo "building $1 failed: see $work/$1-build.log" >&2; trap - EXIT; exit 1; }
}

mkdir "$work/previous"
git -C "$here" archive "$revision" | tar -x -C "$work/previous"
# The previous revision reads ../shared like this checkout does.
[ -e "$work/shared" ] || ln -s "$here/../shared" "$work/shared"
mkdir "$work/current"
(cd "$here" && git ls-files -co --exclude-standard -z | xargs -0 tar -c) | tar -x -C "$work/current"
build previous "$work/previous"
build current "$work/current"

for i in $(seq "$runs"); do
  for name in previous current; do
    "$work/$name-build/bench/bpf-cost" 60000 2> /dev/null > "$work/$name.$i.txt"
  done
done

# Column: the number after the label on each line, as the bench prints it.
figure() { # NAME PATTERN
  for i in $(seq "$runs"); do grep -m1 "$2" "$work/$1.$i.txt" | grep -oE '[0-9]+' | head -1; done |
    sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'
}

report=$(printf '%-34s %10s %10s %7s' "median of $runs runs" "$revision" "current" "ratio")
echo "$report"
for row in "pass-through:(a) pass-through" "request -> probe:(b) request" "answer -> response:(c) answer" \
           "verifier instructions:verifier:"; do
  label=${row%%:*} pattern=${row#*:}
  old=$(figure previous "$pattern") new=$(figure current "$pattern")
  line=$(printf '%-34s %10s %10s %7s' "$label" "$old" "$new" "$(awk -v a="$old" -v b="$new" 'BEGIN {printf "%.2f", b / a}')")
  echo "$line"
  report+=$'\n'"$line"
done
python3 "$(dirname "$0")/doc_section.py" --code bpf-cost "Server: BPF cost per packet" \
  "sudo bash bench/bpf_cost_vs_previous.sh $revision $runs" <<< "$report"
