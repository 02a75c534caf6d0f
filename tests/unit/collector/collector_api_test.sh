#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The collector over real HTTP on loopback with a real SQLite file: tokens (401), submission and
# schema checks (201/400), list with filters and paging, the stored document, the SVG graph,
# /healthz, body size (413), the Augsburg client's /post_trace with basic auth, per-client rate
# limit (429), a resubmitted document stored once (200 with its id), restart on the same
# database, migration of a schema-1 database, refusal of a newer schema, bad options, HTTPS.
# The same checks run against each store: SQLite (a file) and PostgreSQL (a throw-away cluster
# started here); the SQLite-only ones (its file's pragmas, the schema-1 migration) say so.
# Usage: collector_api_test.sh BUILD_DIR [sqlite|postgresql]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../../lab/netlab.sh"   # fail, checks, lab_summary, lab_schema_valid
source "$here/collector_lib.sh"
build=$1
store=${2:-sqlite}
bin="$build/collector/reverse-traceroute-collector"
doc="$here/two-way-multipath.json"
tmp=$(mktemp -d)
trap 'collector_stop; pg_stop; rm -rf "$tmp"' EXIT
if [ "$store" = postgresql ]; then
  if [ ! -x /usr/lib/postgresql/15/bin/initdb ]; then
    echo "skipped: PostgreSQL 15 is not installed (Debian package postgresql-15; scripts/install-deps installs it)"
    exit 77
  fi
  pg_start || exit 1
  db=$PG_URI
else
  db=$tmp/m.db
fi

token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '# tokens for the test\n\n%s\n' "$token" > "$tmp/tokens"
auth=(-H "Authorization: Bearer $token")

# body_has JQ-LIKE-PYTHON-EXPR DESCRIPTION: a Python expression over `b` (the JSON body) must hold
body_has() {
  checks=$((checks + 1))
  python3 -c "import json,sys; b=json.load(open('$tmp/body')); sys.exit(0 if ($1) else 1)" 2> /dev/null \
    || fail "$2 (body: $(head -c 300 "$tmp/body"))"
}

collector_start "$bin" "$db" --token-file "$tmp/tokens" --max-body 100000 --rate 1000 --burst 1000 || exit 1
url=$COLLECTOR_URL

# Tokens.
expect_status 401 "list without token" "$url/api/v1/measurements"
body_has "'token' in b['error']" "401 says what is missing"
expect_status 401 "submit with a wrong token" -H "Authorization: Bearer nope" --data-binary @"$doc" "$url/api/v1/measurements"
expect_status 401 "fetch with a malformed header" -H "Authorization: Bearer" "$url/api/v1/measurements/1"
expect_status 200 "healthz needs no token" "$url/healthz"
body_has "b['status'] == 'ok' and b['schema_version'] == 4" "healthz body"
expect_status 200 "the web page needs no token" "$url/"
checks=$((checks + 1)); grep -q "<title>reverse-traceroute collector</title>" "$tmp/body" || fail "web page content"

# Submission: ours (schema-checked).
expect_status 201 "submit the two-way multipath measurement" "${auth[@]}" -H 'Content-Type: application/json' \
  --data-binary @"$doc" "$url/api/v1/measurements"
body_has "b['id'] == 1 and b['url'] == '/api/v1/measurements/1'" "201 gives id and url"
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); d['target']='copy.example'; print(json.dumps(d))" "$doc" > "$tmp/copy.json"
expect_status 201 "submit as curl -d does (form content type)" "${auth[@]}" --data-binary @"$tmp/copy.json" "$url/api/v1/measurements"
python3 - "$doc" "$tmp/forward.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["direction"], d["protocol"], d["target"] = "forward", "tcp", "forward-only.example"
del d["traces"]["reverse"], d["server"]
json.dump(d, open(sys.argv[2], "w"))
PY
expect_status 201 "submit a forward tcp measurement" "${auth[@]}" --data-binary @"$tmp/forward.json" "$url/api/v1/measurements"

# The same bytes again (a retry whose 201 was lost): the stored copy's id, nothing new stored.
expect_status 200 "resubmit the first document" "${auth[@]}" --data-binary @"$doc" "$url/api/v1/measurements"
body_has "b['id'] == 1 and b['created'] is False" "a resubmission names the stored copy"

expect_status 400 "bad JSON" "${auth[@]}" --data-binary '{"target": ' "$url/api/v1/measurements"
body_has "'not JSON' in b['error'] and '\n' not in b['error']" "bad JSON: one-line reason"
expect_status 400 "JSON array" "${auth[@]}" --data-binary '[1]' "$url/api/v1/measurements"
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); d['protocol']='sctp'; print(json.dumps(d))" "$doc" > "$tmp/bad.json"
expect_status 400 "schema violation" "${auth[@]}" --data-binary @"$tmp/bad.json" "$url/api/v1/measurements"
body_has "'protocol' in b['error'] and 'schema' in b['error']" "schema violation names the field"
head -c 150000 /dev/zero | tr '\0' ' ' > "$tmp/big"
expect_status 413 "body above --max-body" "${auth[@]}" --data-binary @"$tmp/big" "$url/api/v1/measurements"
expect_status 413 "chunked body above --max-body" "${auth[@]}" -H 'Transfer-Encoding: chunked' --data-binary @"$tmp/big" \
  "$url/api/v1/measurements"

# The Augsburg client's endpoint: basic auth, its own layout (any JSON object).
augsburg='{"target": "playground.example", "protocol": "tcp", "multipath": {}, "traces": {"reverse": [{"id": 0, "address": "198.18.9.9"}]}}'
expect_status 401 "post_trace without credentials" --data-binary "$augsburg" "$url/post_trace"
expect_status 201 "post_trace with basic auth" -u "augsburg-traceroute:$token" -H 'Content-Type: application/json' \
  --data-binary "$augsburg" "$url/post_trace"
augsburg_id=$(python3 -c "import json; print(json.load(open('$tmp/body'))['id'])")
expect_status 401 "post_trace with a wrong password" -u "augsburg-traceroute:wrong" --data-binary "$augsburg" "$url/post_trace"

# Reading back.
expect_status 200 "list" "${auth[@]}" "$url/api/v1/measurements"
body_has "[m['id'] for m in b['measurements']] == [$augsburg_id, 3, 2, 1] and b['next'] is None" "list: newest first, all four"
body_has "b['measurements'][3]['direction'] == 'two-way' and b['measurements'][3]['engine'] == 'multipath' and b['measurements'][3]['source'] == '198.18.1.1'" "list: indexed columns"
body_has "b['measurements'][0]['format'] == 'augsburg' and b['measurements'][0]['direction'] == 'reverse'" "list: the Augsburg document's columns"
expect_status 200 "filter direction" "${auth[@]}" "$url/api/v1/measurements?direction=forward"
body_has "[m['id'] for m in b['measurements']] == [3]" "filter direction=forward"
expect_status 200 "filter protocol" "${auth[@]}" "$url/api/v1/measurements?protocol=udp"
body_has "[m['id'] for m in b['measurements']] == [2, 1]" "filter protocol=udp"
destination=$(python3 -c "import json; print(json.load(open('$doc'))['destination'])")
expect_status 200 "filter target by destination address" "${auth[@]}" "$url/api/v1/measurements?target=$destination"
body_has "len(b['measurements']) == 3" "target matches the destination address"
expect_status 200 "filter target by a part of its name" "${auth[@]}" "$url/api/v1/measurements?target=only.exa"
body_has "[m['id'] for m in b['measurements']] == [3]" "target matches a substring"
expect_status 200 "list with outcomes" "${auth[@]}" "$url/api/v1/measurements"
body_has "b['measurements'][3]['outcome'] == {'forward': 'reached', 'reverse': 'reached'} and b['measurements'][0]['outcome'] is None" "list: each trace's outcome (none for the Augsburg layout)"
today=$(date -u +%Y-%m-%d)
expect_status 200 "filter since today" "${auth[@]}" "$url/api/v1/measurements?since=$today"
body_has "len(b['measurements']) == 4" "since today: all"
expect_status 200 "filter until today" "${auth[@]}" "$url/api/v1/measurements?until=$today"
body_has "len(b['measurements']) == 0" "until today (exclusive): none"
expect_status 200 "first page" "${auth[@]}" "$url/api/v1/measurements?limit=3&protocol=udp"
body_has "[m['id'] for m in b['measurements']] == [2, 1] and b['next'] is None" "short page has no next"
expect_status 200 "page of 2" "${auth[@]}" "$url/api/v1/measurements?limit=2"
body_has "[m['id'] for m in b['measurements']] == [$augsburg_id, 3] and 'before=3' in b['next']" "page 1 links to page 2"
next=$(python3 -c "import json; print(json.load(open('$tmp/body'))['next'])")
expect_status 200 "next page" "${auth[@]}" "$url$next"
body_has "[m['id'] for m in b['measurements']] == [2, 1]" "page 2"
expect_status 400 "unknown filter" "${auth[@]}" "$url/api/v1/measurements?color=red"
expect_status 400 "bad since" "${auth[@]}" "$url/api/v1/measurements?since=yesterday"
expect_status 400 "bad limit" "${auth[@]}" "$url/api/v1/measurements?limit=100000"
expect_status 400 "bad direction" "${auth[@]}" "$url/api/v1/measurements?direction=sideways"

expect_status 200 "fetch the document" "${auth[@]}" "$url/api/v1/measurements/1"
checks=$((checks + 1)); cmp -s "$tmp/body" "$doc" || fail "stored document differs from the submitted one"
checks=$((checks + 1)); lab_schema_valid "$tmp/body" || fail "fetched document does not match the schema"
expect_status 404 "fetch a missing id" "${auth[@]}" "$url/api/v1/measurements/999"
expect_status 200 "graph" "${auth[@]}" "$url/api/v1/measurements/1/graph.svg"
checks=$((checks + 1)); xmllint --noout "$tmp/body" 2> /dev/null || fail "graph.svg is not well-formed XML"
# Every address of the stored traces is a vertex label in the drawing.
addresses=$(python3 -c "
import json; d = json.load(open('$doc'))
print(' '.join(sorted({v['address'] for t in d['traces'].values() for v in t if v['address'] != '***'})))")
for address in $addresses; do
  checks=$((checks + 1)); grep -q ">$address<" "$tmp/body" || fail "graph.svg lacks vertex $address"
done
expect_status 200 "graph of the forward-only measurement" "${auth[@]}" "$url/api/v1/measurements/3/graph.svg"
checks=$((checks + 1)); grep -q "forward tcp multipath" "$tmp/body" || fail "forward graph title"
expect_status 422 "graph of a document in the Augsburg layout without ttl" "${auth[@]}" \
  "$url/api/v1/measurements/$augsburg_id/graph.svg"
expect_status 404 "unknown path" "${auth[@]}" "$url/api/v2/whatever"

# Path change history: the difference between two measurements of one target, per direction.
expect_status 200 "a measurement against itself" "${auth[@]}" "$url/api/v1/measurements/1/diff/2"
body_has "b['before'] == 1 and b['after'] == 2 and all(d['unchanged'] for d in b['directions'].values()) and set(b['directions']) == {'forward', 'reverse'}" "the same paths: unchanged both ways"
python3 - "$doc" "$tmp/changed.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["target"] = "changed.example"
d["traces"]["reverse"][1]["address"] = "198.18.99.1"
json.dump(d, open(sys.argv[2], "w"))
PY
expect_status 201 "submit a measurement whose reverse path changed" "${auth[@]}" --data-binary @"$tmp/changed.json" "$url/api/v1/measurements"
changed_id=$(python3 -c "import json; print(json.load(open('$tmp/body'))['id'])")
old_hop=$(python3 -c "import json; print(json.load(open('$doc'))['traces']['reverse'][1]['address'])")
expect_status 200 "the difference" "${auth[@]}" "$url/api/v1/measurements/1/diff/$changed_id"
body_has "b['directions']['forward']['unchanged'] and b['directions']['reverse']['hops'] == {'appeared': ['198.18.99.1'], 'disappeared': ['$old_hop']} and any(l[1] == '198.18.99.1' for l in b['directions']['reverse']['links']['appeared'])" "the reverse hop that changed, and its links"
expect_status 422 "a difference with the Augsburg layout" "${auth[@]}" "$url/api/v1/measurements/1/diff/$augsburg_id"
expect_status 404 "a difference with a missing id" "${auth[@]}" "$url/api/v1/measurements/1/diff/999"
# A browser opening the URL --transmit printed goes to the page, which shows that measurement.
checks=$((checks + 1))
location=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -H 'Accept: text/html,application/xhtml+xml' "$url/api/v1/measurements/1")
[ "$location" = "303 $url/?measurement=1" ] || fail "a browser navigation to a measurement's URL: $location"
expect_status 401 "the same URL asked for JSON without a token" -H 'Accept: application/json' "$url/api/v1/measurements/1"
checks=$((checks + 1)); grep -q "$token" "$COLLECTOR_LOG" && fail "the token appears in the collector's log"

# Restart on the same database: everything still there, no migration repeated.
collector_stop
collector_start "$bin" "$db" --token-file "$tmp/tokens" || exit 1
url=$COLLECTOR_URL
expect_status 200 "list after restart" "${auth[@]}" "$url/api/v1/measurements"
body_has "len(b['measurements']) == 5" "five measurements after restart"
collector_stop
checks=$((checks + 1))
if [ "$store" = postgresql ]; then
  [ "$(pg_sql 'SELECT version FROM rtt_schema')" = 4 ] || fail "database: rtt_schema version not 4"
else
  [ "$(sqlite3 "$db" 'PRAGMA user_version; PRAGMA journal_mode; PRAGMA integrity_check;' | tr '\n' ' ')" = "4 wal ok " ] \
    || fail "database: user_version/journal_mode/integrity not 4/wal/ok"
fi

if [ "$store" = sqlite ]; then  # PostgreSQL databases start at version 4: none of version 1 exists
  # Migration: a database of schema version 1 (the first release's table, one row) is brought to
  # version 2 on start, its row kept and listed.
  sqlite3 "$tmp/v1.db" "PRAGMA journal_mode = WAL;
    CREATE TABLE measurements (id INTEGER PRIMARY KEY, received_at TEXT NOT NULL, format TEXT NOT NULL, target TEXT,
      destination TEXT, source TEXT, direction TEXT, protocol TEXT, engine TEXT, start_time TEXT, document TEXT NOT NULL);
    INSERT INTO measurements VALUES (7, '2026-11-01T00:00:00.000Z', 'reverse-traceroute', 'old.example', NULL, NULL,
      'forward', 'udp', 'singlepath', NULL, '{}');
    PRAGMA user_version = 1;" > /dev/null
  collector_start "$bin" "$tmp/v1.db" --token-file "$tmp/tokens" || exit 1
  expect_status 200 "list a migrated database" "${auth[@]}" "$COLLECTOR_URL/api/v1/measurements"
  body_has "[m['target'] for m in b['measurements']] == ['old.example']" "the row of schema version 1 survives the migration"
  expect_status 201 "store into the migrated database" "${auth[@]}" --data-binary @"$doc" "$COLLECTOR_URL/api/v1/measurements"
  expect_status 200 "dedup in the migrated database" "${auth[@]}" --data-binary @"$doc" "$COLLECTOR_URL/api/v1/measurements"
  collector_stop
  checks=$((checks + 1))
  [ "$(sqlite3 "$tmp/v1.db" 'PRAGMA user_version; SELECT count(*) FROM measurements;' | tr '\n' ' ')" = "4 2 " ] \
    || fail "migrated database: user_version and rows not 4 and 2"
fi

# A database from a newer collector is refused with one sentence.
if [ "$store" = postgresql ]; then
  pg_sql 'UPDATE rtt_schema SET version = 7'; newer=$db
else
  cp "$db" "$tmp/newer.db"; sqlite3 "$tmp/newer.db" 'PRAGMA user_version = 7'; newer=$tmp/newer.db
fi
checks=$((checks + 1))
out=$(timeout 10 "$bin" --listen 127.0.0.1:0 --db "$newer" --open 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "schema version 7 but this collector knows up to 4" <<< "$out" && [ "$(wc -l <<< "$out")" -eq 1 ] \
  || fail "newer database: rc $rc, '$out'"
[ "$store" = postgresql ] && pg_sql 'UPDATE rtt_schema SET version = 4'

# Rate limit: a burst of 3, then 429 with Retry-After.
collector_start "$bin" "$db" --open --rate 1 --burst 3 || exit 1
for i in 1 2 3; do expect_status 200 "request $i within the burst" "$COLLECTOR_URL/api/v1/measurements"; done
expect_status 429 "request beyond the burst" -D "$tmp/headers" "$COLLECTOR_URL/api/v1/measurements"
checks=$((checks + 1)); grep -qi '^retry-after: 1' "$tmp/headers" || fail "429 without Retry-After"
collector_stop

# Bad options and files: one sentence, exit 2 (usage) or 1 (environment).
bad() {  # bad RC PATTERN ARGS...
  local want=$1 pattern=$2 out rc; shift 2
  checks=$((checks + 1))
  out=$(timeout 10 "$bin" "$@" 2>&1); rc=$?  # a collector that wrongly starts is stopped (rc 124)
  bad_out=$out
  [ $rc -eq "$want" ] && grep -q -- "$pattern" <<< "$out" && [ "$(wc -l <<< "$out")" -eq 1 ] \
    || fail "collector $*: rc $rc, '$out' (expected $want, /$pattern/)"
}
bad 2 "no --token-file given" --listen 127.0.0.1:0 --db "$tmp/x.db"
bad 2 "is not ADDR:PORT" --listen localhost --open --db "$tmp/x.db"
bad 2 "excludes" --token-file "$tmp/tokens" --open
bad 1 "cannot read token file" --token-file "$tmp/missing" --db "$tmp/x.db" --listen 127.0.0.1:0
: > "$tmp/empty-tokens"
bad 1 "holds no token" --token-file "$tmp/empty-tokens" --db "$tmp/x.db" --listen 127.0.0.1:0
bad 1 "cannot open database" --open --db "$tmp/no/such/dir/m.db" --listen 127.0.0.1:0
# A PostgreSQL server that is not there: one sentence, and the URI's password is not in it.
bad 1 "cannot connect to database postgresql://rtt:\*\*\*@/rtt?host=$tmp/nowhere" --open --listen 127.0.0.1:0 \
  --db "postgresql://rtt:hunter2@/rtt?host=$tmp/nowhere"
checks=$((checks + 1)); grep -q hunter2 <<< "$bad_out" && fail "the database password appears in the message: $bad_out"
bad 1 "cannot load --tls-cert" --open --db "$tmp/x.db" --listen 127.0.0.1:0 --tls-cert "$tmp/tokens" --tls-key "$tmp/tokens"
collector_start "$bin" "$db" --open || exit 1
port=${COLLECTOR_URL##*:}
bad 1 "cannot listen on 127.0.0.1:$port" --open --db "$tmp/y.db" --listen "127.0.0.1:$port"
collector_stop

# HTTPS with a self-signed certificate for 127.0.0.1.
if openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" -days 1 \
     -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" 2> /dev/null; then
  collector_start "$bin" "$db" --token-file "$tmp/tokens" --tls-cert "$tmp/cert.pem" --tls-key "$tmp/key.pem" || exit 1
  expect_status 200 "list over HTTPS" --cacert "$tmp/cert.pem" "${auth[@]}" "$COLLECTOR_URL/api/v1/measurements"
  body_has "len(b['measurements']) == 5" "HTTPS list"
  checks=$((checks + 1))
  [[ $COLLECTOR_URL == https://* ]] || fail "collector did not announce https: $COLLECTOR_URL"
  collector_stop
else
  fail "openssl could not make a test certificate"
fi

lab_summary
