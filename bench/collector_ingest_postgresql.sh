#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Collector ingest, one collector on SQLite against two collectors sharing one PostgreSQL 15
# database (a throw-away cluster on this machine's disk, fsync on, as PostgreSQL ships), 8
# writers on each collector (8 in all on SQLite's one), COUNT submissions per writer of the
# typical two-way multipath measurement (tests/unit/collector/two-way-multipath.json).
# Measurements per second are all acknowledged submissions over the time from the first writer's
# start to the last one's end. Written into docs/benchmarks.md (collector-ingest-postgresql).
# Usage: bench/collector_ingest_postgresql.sh BUILD_DIR [COUNT_PER_WRITER]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tests/unit/collector/collector_lib.sh"
build=$1
count=${2:-200}
bin="$build/collector/reverse-traceroute-collector"
load="$build/tests/unit/collector/collector-load"
doc="$here/../tests/unit/collector/two-way-multipath.json"
tmp=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2> /dev/null; wait 2> /dev/null; collector_stop; pg_stop; rm -rf "$tmp"' EXIT
limits=(--open --rate 1000000 --burst 1000000 --threads 20 --connections-per-address 64)
now() { date +%s.%N; }

# One collector on SQLite, 8 writers.
COLLECTOR_LOG=$tmp/sqlite.log collector_start "$bin" "$tmp/ingest.db" "${limits[@]}" || exit 1
start=$(now)
"$load" --url "$COLLECTOR_URL" --document "$doc" --writers 8 --count "$count" > "$tmp/sqlite.out"
end=$(now)
collector_stop
sqlite_stored=$(awk '{print $4}' "$tmp/sqlite.out")
sqlite_rate=$(awk -v n="$sqlite_stored" -v a="$start" -v b="$end" 'BEGIN { printf "%.0f", n / (b - a) }')

# Two collectors on one PostgreSQL database, 8 writers each, at once.
pg_start || exit 1
urls=()
for name in a b; do
  "$bin" --listen 127.0.0.1:0 --db "$PG_URI" "${limits[@]}" 2> "$tmp/pg-$name.log" &
  pids+=($!)
done
for name in a b; do
  for _ in $(seq 200); do
    u=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$tmp/pg-$name.log" | head -1)
    [ -n "$u" ] && break
    sleep 0.05
  done
  urls+=("$u")
done
start=$(now)
"$load" --url "${urls[0]}" --document "$doc" --writers 8 --count "$count" --prefix a > "$tmp/pg-a.out" &
first=$!
"$load" --url "${urls[1]}" --document "$doc" --writers 8 --count "$count" --prefix b > "$tmp/pg-b.out"
wait "$first"
end=$(now)
pg_stored=$(cat "$tmp/pg-a.out" "$tmp/pg-b.out" | awk '{ n += $4 } END { print n }')
pg_rate=$(awk -v n="$pg_stored" -v a="$start" -v b="$end" 'BEGIN { printf "%.0f", n / (b - a) }')
rows=$(pg_sql 'SELECT count(*) FROM measurements')

report="ingest: $count submissions per writer of $(basename "$doc"), over loopback
one collector on SQLite, 8 writers:                 $sqlite_stored stored, $sqlite_rate per second
two collectors on one PostgreSQL 15, 8 writers each: $pg_stored stored ($rows rows), $pg_rate per second
ratio (PostgreSQL pair / SQLite): $(awk -v a="$pg_rate" -v b="$sqlite_rate" 'BEGIN { printf "%.2f", a / b }')"
echo "$report"
python3 "$here/doc_section.py" --code collector-ingest-postgresql "Collector ingest: SQLite against PostgreSQL" \
  "bash bench/collector_ingest_postgresql.sh build $count" <<< "$report"
