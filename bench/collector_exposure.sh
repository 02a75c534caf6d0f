#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/collector_exposure.py for this checkout's collector and an earlier revision's, one after
# the other in one run (this machine's speed drifts: compare within a run only); writes both into
# docs/benchmarks.md (the collector-exposure section).
# Usage: bench/collector_exposure.sh BUILD_DIR [REVISION [SECONDS]]
#   REVISION defaults to ad9a74b^ (the collector on cpp-httplib, thread per connection).
set -euo pipefail
build=$(cd "${1:?usage: bench/collector_exposure.sh BUILD_DIR [REVISION [SECONDS]]}" && pwd)
revision=${2:-ad9a74b^}
seconds=${3:-25}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/rtt-collector-exposure.XXXXXX)
trap 'rm -rf "$work"' EXIT

mkdir "$work/previous"
git -C "$here" archive "$revision" | tar -x -C "$work/previous"
[ -e "$work/shared" ] || ln -s "$here/../shared" "$work/shared"
cmake -S "$work/previous" -B "$work/previous-build" -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build "$work/previous-build" --target reverse-traceroute-collector -j "$(nproc)" > "$work/build.log" 2>&1 ||
  { echo "building $revision failed: see $work/build.log" >&2; trap - EXIT; exit 1; }

report=$(python3 "$here/bench/collector_exposure.py" "$work/previous-build/collector/reverse-traceroute-collector" \
  --seconds "$seconds" --label "$revision")
echo "$report"
current=$(python3 "$here/bench/collector_exposure.py" "$build/collector/reverse-traceroute-collector" \
  --seconds "$seconds" --label current)
echo "$current"
report+=$'\n'"$current"
python3 "$here/bench/doc_section.py" --code collector-exposure "Collector exposure" \
  "bash bench/collector_exposure.sh build $revision $seconds" <<< "$report"
