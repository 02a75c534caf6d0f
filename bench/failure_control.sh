#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Failure control of the multipath engine (bench/failure_control.cpp) over simulated diamonds,
# written into docs/benchmarks.md (the failure-control-check section). With PREVIOUS_BUILD, that
# build's failure-control runs on the same traces and seed in the same run, and the section says
# whether the two reports agree (the engine is deterministic on the simulated network: a change
# that only moves code must give the very same tables). No privileges needed.
# Usage: bench/failure_control.sh BUILD_DIR [TRACES] [RATE_LIMITED_TRACES] [SEED] [PREVIOUS_BUILD]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$1 traces=${2:-10000} limited=${3:-200} seed=${4:-1} previous=${5:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$build/bench/failure-control" "$traces" "$limited" "$seed" > "$tmp/this.md"
report=$(sed -e 's/^## /### /' "$tmp/this.md")
if [ -n "$previous" ]; then
  "$previous/bench/failure-control" "$traces" "$limited" "$seed" > "$tmp/previous.md"
  if diff <(grep -v '^(ran in' "$tmp/this.md") <(grep -v '^(ran in' "$tmp/previous.md") > "$tmp/diff"; then
    verdict="Against the previous build ($(git -C "$previous/.." describe --always 2> /dev/null || echo "$previous")), same traces and seed, in the same run: **identical tables**; CPU time $(grep -o '[0-9]* s of CPU' "$tmp/this.md") here, $(grep -o '[0-9]* s of CPU' "$tmp/previous.md") there."
  else
    verdict="Against the previous build, same traces and seed, in the same run: the tables differ ($(wc -l < "$tmp/diff") diff lines); the previous build's report:"$'\n\n'"$(sed -e 's/^## /### /' "$tmp/previous.md")"
  fi
  report+=$'\n\n'"$verdict"
fi
echo "$report"
python3 "$here/doc_section.py" failure-control-check "Multipath failure control: this build against the previous one" \
  "bash bench/failure_control.sh build $traces $limited $seed${previous:+ PREVIOUS_BUILD}" <<< "$report"
