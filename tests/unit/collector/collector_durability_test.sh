#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The collector under load and through a crash, on loopback with a real SQLite file:
# 1. 8 writers × 200 submissions at once: every one acknowledged, each stored exactly once.
# 2. kill -9 during a bounded load (4 writers × 2000): after a restart every acknowledged
#    submission is stored with its own content, and PRAGMA integrity_check says ok.
# Usage: collector_durability_test.sh BUILD_DIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../../lab/netlab.sh"   # fail, checks, lab_summary
source "$here/collector_lib.sh"
build=$1
bin="$build/collector/reverse-traceroute-collector"
load="$build/tests/unit/collector/collector-load"
doc="$here/two-way-multipath.json"
tmp=$(mktemp -d)
trap 'collector_stop KILL; rm -rf "$tmp"' EXIT
limits=(--open --rate 100000 --burst 100000)

# 1. Concurrency.
collector_start "$bin" "$tmp/load.db" "${limits[@]}" || exit 1
"$load" --url "$COLLECTOR_URL" --document "$doc" --writers 8 --count 200 --acked "$tmp/acked" | tee "$tmp/load.out"
collector_stop
checks=$((checks + 1))
[ "$(wc -l < "$tmp/acked")" -eq 1600 ] || fail "$(wc -l < "$tmp/acked") of 1600 submissions acknowledged"
checks=$((checks + 1))
[ "$(cut -d' ' -f1 "$tmp/acked" | sort -u | wc -l)" -eq 1600 ] || fail "acknowledged ids are not unique"
checks=$((checks + 1))
stored=$(sqlite3 "$tmp/load.db" "SELECT count(*), count(DISTINCT target) FROM measurements")
[ "$stored" = "1600|1600" ] || fail "stored (rows|distinct submissions) $stored, expected 1600|1600"
checks=$((checks + 1))
mismatch=$(sqlite3 "$tmp/load.db" "SELECT id || ' ' || target FROM measurements" | sort | comm -3 - <(sort "$tmp/acked") | wc -l)
[ "$mismatch" -eq 0 ] || fail "$mismatch acknowledged ids do not hold their submission"
checks=$((checks + 1))
[ "$(sqlite3 "$tmp/load.db" 'PRAGMA integrity_check')" = ok ] || fail "integrity_check after the load"

# 2. Crash during a bounded load: the writers stop at the first lost connection.
collector_start "$bin" "$tmp/crash.db" "${limits[@]}" || exit 1
: > "$tmp/acked2"
"$load" --url "$COLLECTOR_URL" --document "$doc" --writers 4 --count 2000 --acked "$tmp/acked2" > "$tmp/load2.out" &
load_pid=$!
for i in $(seq 200); do [ "$(wc -l < "$tmp/acked2")" -ge 200 ] && break; sleep 0.05; done
collector_stop KILL
wait "$load_pid"
acked=$(wc -l < "$tmp/acked2")
echo "killed the collector after $acked acknowledged submissions: $(cat "$tmp/load2.out")"
checks=$((checks + 1))
[ "$acked" -ge 1 ] && [ "$acked" -lt 8000 ] || fail "the kill did not land during the load ($acked acknowledged)"
# Restart: the WAL is recovered; everything acknowledged must be there.
collector_start "$bin" "$tmp/crash.db" "${limits[@]}" || exit 1
curl -sf "$COLLECTOR_URL/healthz" > /dev/null || fail "collector not healthy after the crash"
collector_stop
checks=$((checks + 1))
missing=$(sqlite3 "$tmp/crash.db" "SELECT id || ' ' || target FROM measurements" | sort | comm -13 - <(sort "$tmp/acked2") | wc -l)
[ "$missing" -eq 0 ] || fail "$missing acknowledged submissions lost in the crash"
checks=$((checks + 1))
[ "$(sqlite3 "$tmp/crash.db" 'PRAGMA integrity_check')" = ok ] || fail "integrity_check after the crash"
echo "stored after restart: $(sqlite3 "$tmp/crash.db" 'SELECT count(*) FROM measurements') (acknowledged: $acked)"

lab_summary
