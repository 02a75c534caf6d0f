#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Sustained ingest of the collector: COUNT submissions of a typical two-way multipath measurement
# (tests/unit/collector/two-way-multipath.json: the wide lab topology, 12 KB as sent) per writer,
# for 1, 2, 4, 8 and 16 concurrent writers (one address, as many clients would be: the
# per-address connection limit is raised), each run on a new
# database on this machine's disk, over loopback. Prints measurements/s and the database size
# per run, and writes them into docs/benchmarks.md (the collector-ingest section). The
# collector's access log goes to a file, as it would to journald.
# Usage: bench/collector_ingest.sh BUILD_DIR [COUNT_PER_WRITER] [DB_FOLDER]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tests/unit/collector/collector_lib.sh"
build=$1
count=${2:-500}
folder=${3:-$(mktemp -d)}
doc="$here/../tests/unit/collector/two-way-multipath.json"
trap 'collector_stop' EXIT
# Builds before libmicrohttpd had no per-address limit (and one thread per connection).
limits=(--threads 20)
"$build/collector/reverse-traceroute-collector" --help | grep -- --connections-per-address > /dev/null &&
  limits=(--threads 20 --connections-per-address 64)
report="collector ingest: $count submissions per writer of $(basename "$doc"), database in $folder
$(printf '%-8s %-10s %-12s %-10s' writers stored "per second" "db MiB")"
echo "$report"
for writers in 1 2 4 8 16; do
  db="$folder/ingest-$writers.db"
  rm -f "$db" "$db-wal" "$db-shm"
  COLLECTOR_LOG="$folder/collector-$writers.log" \
    collector_start "$build/collector/reverse-traceroute-collector" "$db" --open --rate 1000000 --burst 1000000 \
    "${limits[@]}" || exit 1
  out=$("$build/tests/unit/collector/collector-load" --url "$COLLECTOR_URL" --document "$doc" --writers "$writers" \
    --count "$count")
  collector_stop
  size=$(du -cm "$db"* | tail -1 | cut -f1)
  line=$(printf '%-8s %-10s %-12s %-10s' "$writers" "$(awk '{print $4}' <<< "$out")" "$(awk '{print $12}' <<< "$out")" "$size")
  echo "$line"
  report+=$'\n'"$line"
done
python3 "$(dirname "$0")/doc_section.py" --code collector-ingest "Collector ingest" \
  "bash bench/collector_ingest.sh build $count" <<< "$report"
