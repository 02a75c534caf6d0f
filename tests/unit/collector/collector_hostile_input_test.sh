#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Requests an attacker would send (issue 14's reproducers) get a 4xx with one sentence, and the
# collector is still there afterwards: a path and a parameter that are not UTF-8, vertex ids that
# repeat or point outside the trace (once an out-of-bounds write when drawn), numbers out of
# range through the Augsburg endpoint (once undefined behaviour), and 80,000 levels of nesting
# (once a stack overflow). Runs at the default --max-body, so the deep document is not refused
# for its size.
# Usage: collector_hostile_input_test.sh BUILD_DIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../../lab/netlab.sh"   # fail, checks, lab_summary
source "$here/collector_lib.sh"
build=$1
bin="$build/collector/reverse-traceroute-collector"
doc="$here/two-way-multipath.json"
tmp=$(mktemp -d)
trap 'collector_stop; rm -rf "$tmp"' EXIT

token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
echo "$token" > "$tmp/tokens"
auth=(-H "Authorization: Bearer $token")
collector_start "$bin" "$tmp/m.db" --token-file "$tmp/tokens" --rate 1000 --burst 1000 || exit 1
url=$COLLECTOR_URL

# expect STATUS DESCRIPTION CURL_ARGS...: the status, a one-line JSON error for 4xx, and the
# collector still running.
expect() {
  local want=$1 what=$2
  expect_status "$@"
  if [ "${want:0:1}" = 4 ]; then
    checks=$((checks + 1))
    python3 -c "import json,sys; e=json.load(open('$tmp/body'))['error']; sys.exit(0 if e and '\n' not in e else 1)" \
      2> /dev/null || fail "$what: not one sentence of JSON: $(head -c 300 "$tmp/body")"
  fi
  checks=$((checks + 1))
  kill -0 "$COLLECTOR_PID" 2> /dev/null || { fail "$what: the collector died: $(tail -3 "$COLLECTOR_LOG")"; lab_summary; exit 1; }
}

# A variant of the test document: mutate.py EXPRESSION OUTPUT, where EXPRESSION changes `d`.
mutate() {
  python3 - "$doc" "$2" "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(d, open(sys.argv[2], "w"))
PY
}

expect 404 "a path that is not UTF-8, without a token" --path-as-is "$url/%FF"
expect 404 "a path with raw bytes 0xC3 0x28" --path-as-is "$url/%C3%28"
expect 400 "a filter value that is not UTF-8" "${auth[@]}" "$url/api/v1/measurements?direction=%FF"
expect 400 "a parameter name that is not UTF-8" "${auth[@]}" "$url/api/v1/measurements?%FE=1"
expect 200 "a target filter that is not UTF-8 finds nothing" "${auth[@]}" "$url/api/v1/measurements?target=%FF"

mutate 'd["traces"]["forward"][1]["id"] = 0' "$tmp/dup.json"
expect 400 "two vertices with id 0" "${auth[@]}" --data-binary @"$tmp/dup.json" "$url/api/v1/measurements"
checks=$((checks + 1)); grep -q "forward trace" "$tmp/body" || fail "the refusal names the trace: $(cat "$tmp/body")"
mutate 'd["traces"]["forward"][1]["id"] = 4294967295' "$tmp/huge-id.json"
expect 400 "vertex id 4294967295" "${auth[@]}" --data-binary @"$tmp/huge-id.json" "$url/api/v1/measurements"
mutate 'd["traces"]["reverse"][0]["successors"] = [1, 999]' "$tmp/successor.json"
expect 400 "a successor outside the trace" "${auth[@]}" --data-binary @"$tmp/successor.json" "$url/api/v1/measurements"
mutate 'd["traces"]["forward"][0]["successors"] = [1]; d["traces"]["forward"][1]["id"] = 0' "$tmp/issue.json"
expect 400 "the issue's document ({id:0, successors:[1]}, {id:0})" "${auth[@]}" --data-binary @"$tmp/issue.json" \
  "$url/api/v1/measurements"

# /post_trace takes any object; drawing it must refuse what does not fit, never crash.
mutate 'd["traces"]["forward"][1]["ttl"] = 1e300; d["traces"]["forward"][2]["id"] = 1e300' "$tmp/floats.json"
expect 201 "post_trace of a document with huge floats" -u "augsburg:$token" --data-binary @"$tmp/floats.json" \
  "$url/post_trace"
id=$(python3 -c "import json; print(json.load(open('$tmp/body'))['id'])")
expect 422 "drawing that document" "${auth[@]}" "$url/api/v1/measurements/$id/graph.svg"
mutate 'd["traces"]["forward"][0]["successors"] = [1]; d["traces"]["forward"][1]["id"] = 0' "$tmp/post-dup.json"
expect 201 "post_trace of a document with repeated ids" -u "augsburg:$token" --data-binary @"$tmp/post-dup.json" \
  "$url/post_trace"
id=$(python3 -c "import json; print(json.load(open('$tmp/body'))['id'])")
expect 422 "drawing that document" "${auth[@]}" "$url/api/v1/measurements/$id/graph.svg"

python3 -c "import sys; sys.stdout.write('{\"schema_version\":' + '[' * 80000 + ']' * 80000 + '}')" > "$tmp/deep.json"
expect 400 "80,000 levels of nesting" "${auth[@]}" --data-binary @"$tmp/deep.json" "$url/api/v1/measurements"
checks=$((checks + 1)); grep -q "nests deeper" "$tmp/body" || fail "the refusal says why: $(cat "$tmp/body")"
expect 400 "80,000 levels through post_trace" -u "augsburg:$token" --data-binary @"$tmp/deep.json" "$url/post_trace"

expect 201 "a good measurement is still taken" "${auth[@]}" --data-binary @"$doc" "$url/api/v1/measurements"
lab_summary
