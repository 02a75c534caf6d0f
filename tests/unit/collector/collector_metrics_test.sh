#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The collector's /metrics over real HTTP, on SQLite or on PostgreSQL (a throw-away cluster):
# who may scrape (a loopback peer without forwarding headers; else a token with the metrics
# scope: 401 without one, 403 with a token lacking it), `promtool check metrics` (Debian's
# prometheus) on the text, and the figures after known traffic: responses by status, the ingest
# histogram's count, rows and size of the store, the looking glass off; on PostgreSQL, the
# database stopped under the collector: the scrape still answers, with rtt_collector_store_up 0,
# and once it is back the first submission and list succeed (the store reconnects).
# Usage: collector_metrics_test.sh BUILD_DIR [sqlite|postgresql]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../../lab/netlab.sh"   # fail, checks, lab_summary
source "$here/collector_lib.sh"
build=$1
store=${2:-sqlite}
bin="$build/collector/reverse-traceroute-collector"
doc="$here/two-way-multipath.json"
tmp=$(mktemp -d)
trap 'collector_stop; pg_stop; rm -rf "$tmp"' EXIT
if ! command -v promtool > /dev/null; then
  echo "skipped: promtool is not installed (Debian package prometheus; scripts/install-deps installs it)"
  exit 77
fi
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

submitter=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
scraper=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s submitter submit,read\n%s prometheus metrics\n' "$submitter" "$scraper" > "$tmp/tokens"
collector_start "$bin" "$db" --token-file "$tmp/tokens" || exit 1
url=$COLLECTOR_URL

# value NAME_WITH_LABELS: the sample's value in $tmp/body (empty if absent)
value() {
  awk -v name="$1" '$1 == name { print $2 }' "$tmp/body"
}
expect_value() {  # expect_value NAME WANT
  checks=$((checks + 1))
  [ "$(value "$1")" = "$2" ] || fail "$1 is '$(value "$1")', expected $2"
}

# Who may scrape.
expect_status 200 "a scrape from this host needs no token" "$url/metrics"
checks=$((checks + 1)); grep -q '^# TYPE rtt_collector_http_requests_total counter$' "$tmp/body" || fail "metrics text"
expect_status 401 "a scrape relayed by a proxy (X-Forwarded-For) without a token" -H "X-Forwarded-For: 198.51.100.7" "$url/metrics"
expect_status 401 "a scrape relayed by a proxy (Forwarded) without a token" -H "Forwarded: for=198.51.100.7" "$url/metrics"
expect_status 403 "a relayed scrape with a token lacking the metrics scope" -H "X-Forwarded-For: 198.51.100.7" \
  -H "Authorization: Bearer $submitter" "$url/metrics"
body_has_scope() { checks=$((checks + 1)); grep -q 'metrics scope' "$tmp/body" || fail "403 does not name the scope"; }
body_has_scope
expect_status 200 "a relayed scrape with a metrics token" -H "X-Forwarded-For: 198.51.100.7" \
  -H "Authorization: Bearer $scraper" "$url/metrics"
expect_status 403 "the metrics token may not read measurements" -H "Authorization: Bearer $scraper" "$url/api/v1/measurements"

# Known traffic: 3 stored, 1 resubmitted, 1 refused by the schema, 1 unknown path.
auth=(-H "Authorization: Bearer $submitter")
for target in one two three; do
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); d['target']=sys.argv[2]; print(json.dumps(d))" "$doc" "$target.example" > "$tmp/$target.json"
  expect_status 201 "submit $target" "${auth[@]}" --data-binary @"$tmp/$target.json" "$url/api/v1/measurements"
done
expect_status 200 "resubmit" "${auth[@]}" --data-binary @"$tmp/one.json" "$url/api/v1/measurements"
expect_status 400 "not JSON" "${auth[@]}" --data-binary '{' "$url/api/v1/measurements"
expect_status 404 "unknown path" "${auth[@]}" "$url/api/v2/nothing"
curl -s -o "$tmp/body" "$url/metrics"
checks=$((checks + 1))
promtool check metrics < "$tmp/body" > "$tmp/promtool" 2>&1 || fail "promtool check metrics: $(cat "$tmp/promtool")"
checks=$((checks + 1)); [ -s "$tmp/promtool" ] && fail "promtool lint findings: $(cat "$tmp/promtool")"
expect_value 'rtt_collector_http_requests_total{code="201"}' 3
# 200s: the two scrapes before this one and the resubmission
expect_value 'rtt_collector_http_requests_total{code="200"}' 3
expect_value 'rtt_collector_http_requests_total{code="400"}' 1
expect_value 'rtt_collector_http_requests_total{code="401"}' 2
expect_value 'rtt_collector_http_requests_total{code="403"}' 2
expect_value 'rtt_collector_http_requests_total{code="404"}' 1
expect_value 'rtt_collector_ingest_duration_seconds_count' 4
expect_value 'rtt_collector_ingest_duration_seconds_bucket{le="+Inf"}' 4
expect_value 'rtt_collector_stored_measurements' 3
expect_value 'rtt_collector_store_up' 1
expect_value 'rtt_collector_store_queued_submissions' 0
checks=$((checks + 1))
grep -qxF "rtt_collector_info{version=\"$("$bin" --version | cut -d' ' -f2-)\",store=\"$store\"} 1" "$tmp/body" \
  || fail "rtt_collector_info: $(grep '^rtt_collector_info' "$tmp/body")"
checks=$((checks + 1))
[ "$(value rtt_collector_store_size_bytes)" -gt 10000 ] 2> /dev/null || fail "store size $(value rtt_collector_store_size_bytes)"
checks=$((checks + 1))
[ "$(value rtt_collector_connections)" -ge 1 ] 2> /dev/null || fail "connections $(value rtt_collector_connections)"
checks=$((checks + 1)); grep -q rtt_collector_trace_requests "$tmp/body" && fail "looking glass figures without a looking glass"

if [ "$store" = postgresql ]; then
  # The database goes away: the scrape still answers and says so.
  pg_server_stop
  expect_status 200 "a scrape with the database down" "$url/metrics"
  expect_value 'rtt_collector_store_up' 0
  checks=$((checks + 1)); grep -q '^rtt_collector_stored_measurements' "$tmp/body" && fail "rows reported with the database down"
  expect_status 500 "a submission with the database down" "${auth[@]}" --data-binary @"$doc" "$url/api/v1/measurements"
  # Back again: the first request of each kind reconnects and succeeds.
  pg_server_start || exit 1
  expect_status 201 "the first submission after the database restarted" "${auth[@]}" --data-binary @"$doc" \
    "$url/api/v1/measurements"
  expect_status 200 "the first list after the database restarted" "${auth[@]}" "$url/api/v1/measurements"
  expect_status 200 "a scrape after the database restarted" "$url/metrics"
  expect_value 'rtt_collector_store_up' 1
  expect_value 'rtt_collector_stored_measurements' 4
fi
lab_summary
