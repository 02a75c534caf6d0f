#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Two collectors on one PostgreSQL database (a throw-away cluster started here), as behind a load
# balancer: started at the same moment on an empty database they migrate it once (one schema
# row at version 4, each table once); 8 writers × 50 submissions to each at once are all
# acknowledged and stored exactly once with their own content; each collector lists and serves
# what the other stored; a document stored through one and resubmitted through the other gets
# the first one's id; the URI's password never reaches the log; a collector killed with -9
# loses nothing it acknowledged.
# Usage: collector_shared_database_test.sh BUILD_DIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../../lab/netlab.sh"   # fail, checks, lab_summary
source "$here/collector_lib.sh"
build=$1
bin="$build/collector/reverse-traceroute-collector"
load="$build/tests/unit/collector/collector-load"
doc="$here/two-way-multipath.json"
tmp=$(mktemp -d)
pids=()
trap 'kill -KILL "${pids[@]}" 2> /dev/null; wait 2> /dev/null; pg_stop; rm -rf "$tmp"' EXIT
if [ ! -x /usr/lib/postgresql/15/bin/initdb ]; then
  echo "skipped: PostgreSQL 15 is not installed (Debian package postgresql-15; scripts/install-deps installs it)"
  exit 77
fi
pg_start || exit 1
# trust authentication takes any password: this one only shows whether the log hides it
uri="postgresql://rtt:hunter2@/rtt?host=$PG_DIR"
limits=(--open --rate 100000 --burst 100000)

# start_collector NAME: one more collector on the shared database; its URL in url_NAME.
start_collector() {
  "$bin" --listen 127.0.0.1:0 --db "$uri" "${limits[@]}" 2> "$tmp/$1.log" &
  pids+=($!)
}
wait_url() {  # wait_url NAME: prints the collector's URL once it listens
  local i u
  for i in $(seq 200); do
    u=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$tmp/$1.log" | head -1)
    [ -n "$u" ] && { echo "$u"; return 0; }
    sleep 0.05
  done
  cat "$tmp/$1.log" >&2
  return 1
}

# 1. Both at once on the empty database: migrated once.
start_collector a
start_collector b
url_a=$(wait_url a) || exit 1
url_b=$(wait_url b) || exit 1
checks=$((checks + 1))
[ "$(pg_sql 'SELECT count(*), max(version) FROM rtt_schema')" = "1|4" ] || fail "schema rows: $(pg_sql 'SELECT * FROM rtt_schema')"
checks=$((checks + 1))
[ "$(pg_sql "SELECT count(*) FROM pg_tables WHERE tablename IN ('measurements', 'trace_requests')")" = 2 ] \
  || fail "tables after two concurrent migrations"
checks=$((checks + 1))
grep -q 'database postgresql://rtt:\*\*\*@/rtt' "$tmp/a.log" && ! grep -q hunter2 "$tmp/a.log" "$tmp/b.log" \
  || fail "the password in the log: $(cat "$tmp/a.log")"

# 2. 8 writers on each collector at once.
"$load" --url "$url_a" --document "$doc" --writers 8 --count 50 --retries 3 --prefix a --acked "$tmp/acked_a" > "$tmp/load_a.out" &
load_a=$!
"$load" --url "$url_b" --document "$doc" --writers 8 --count 50 --retries 3 --prefix b --acked "$tmp/acked_b" > "$tmp/load_b.out"
wait "$load_a"
cat "$tmp/acked_a" "$tmp/acked_b" > "$tmp/acked"
checks=$((checks + 1))
[ "$(wc -l < "$tmp/acked")" -eq 800 ] || fail "$(wc -l < "$tmp/acked") of 800 submissions acknowledged: $(cat "$tmp/load_a.out" "$tmp/load_b.out"); answers other than 201 and errors: $(grep -hv ' 201 ' "$tmp/a.log" "$tmp/b.log" | grep -v 'GET /api' | head -5)"
grep -h 'retried [1-9]' "$tmp/load_a.out" "$tmp/load_b.out" && echo "(connections lost and submissions sent again, as --transmit does)"
checks=$((checks + 1))
[ "$(cut -d' ' -f1 "$tmp/acked" | sort -u | wc -l)" -eq 800 ] || fail "acknowledged ids are not unique across the collectors"
checks=$((checks + 1))
[ "$(pg_sql 'SELECT count(*) FROM measurements')" = 800 ] || fail "stored rows: $(pg_sql 'SELECT count(*) FROM measurements')"
checks=$((checks + 1))
mismatch=$(pg_sql "SELECT id || ' ' || target FROM measurements" | sort | comm -3 - <(sort "$tmp/acked") | wc -l)
[ "$mismatch" -eq 0 ] || fail "$mismatch acknowledged ids do not hold their submission"

# 3. Each serves what the other stored.
id_a=$(head -1 "$tmp/acked_a" | cut -d' ' -f1)
checks=$((checks + 1))
[ "$(curl -s "$url_b/api/v1/measurements/$id_a" | python3 -c 'import json,sys; print(json.load(sys.stdin)["target"])')" \
  = "$(head -1 "$tmp/acked_a" | cut -d' ' -f2)" ] || fail "collector b does not serve measurement $id_a stored through a"
for u in "$url_a" "$url_b"; do
  checks=$((checks + 1))
  n=$(curl -s "$u/api/v1/measurements?limit=1000" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["measurements"]))')
  [ "$n" = 800 ] || fail "$u lists $n of 800"
done
checks=$((checks + 1))
first=$(curl -s --data-binary @"$doc" "$url_a/api/v1/measurements")
again=$(curl -s -w ' %{http_code}' --data-binary @"$doc" "$url_b/api/v1/measurements")
python3 -c "
import json, sys
a = json.loads(sys.argv[1]); b, status = sys.argv[2].rsplit(' ', 1); b = json.loads(b)
sys.exit(0 if a['id'] == b['id'] and b['created'] is False and status == '200' else 1)" "$first" "$again" \
  || fail "a document stored through a and sent again through b: '$first' then '$again'"

# 4. kill -9 of one collector during a load: what it acknowledged is stored.
: > "$tmp/acked_kill"
"$load" --url "$url_a" --document "$doc" --writers 4 --count 2000 --prefix kill --acked "$tmp/acked_kill" > /dev/null &
load_kill=$!
for i in $(seq 200); do [ "$(wc -l < "$tmp/acked_kill")" -ge 100 ] && break; sleep 0.05; done
kill -KILL "${pids[0]}"
wait "${pids[0]}" 2> /dev/null
wait "$load_kill"
checks=$((checks + 1))
missing=$(pg_sql "SELECT id || ' ' || target FROM measurements" | sort | comm -13 - <(sort "$tmp/acked_kill") | wc -l)
[ "$missing" -eq 0 ] || fail "$missing acknowledged submissions lost when collector a was killed"
checks=$((checks + 1))
curl -sf "$url_b/healthz" > /dev/null || fail "collector b is not healthy after a was killed"
echo "collector a killed after $(wc -l < "$tmp/acked_kill") acknowledged submissions; none lost"

lab_summary
