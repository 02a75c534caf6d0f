#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The README's first command does its job: scripts/demo, run as written with its output sent to
# a file, exits 0, and the file holds the whole run: the lab lines from the start (the server's
# start once truncated it), every trace with its result, and the ground truth of both topologies.
# Before the fix a fresh machine stopped silently with exit 1 (set -e met a grep that found
# nothing before the server's first start).
# Usage: readme_demo_test.sh SOURCE_DIR BUILD_DIR
set -uo pipefail
src=$1 build=$2
source "$src/tests/lab/netlab.sh"
lab_require_root
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
BUILD_DIR=$build bash "$src/scripts/demo" > "$tmp/demo.log" 2>&1; rc=$?
checks=$((checks + 1))
[ $rc -eq 0 ] || fail "scripts/demo exited $rc: $(tail -5 "$tmp/demo.log")"
checks=$((checks + 1))
head -1 "$tmp/demo.log" | grep "^=== Lab up: client" > /dev/null || fail "the log does not start with the first lab: $(head -2 "$tmp/demo.log")"
checks=$((checks + 1))
[ "$(grep -c "^=== Lab up" "$tmp/demo.log")" -eq 2 ] || fail "expected two labs in the log"
checks=$((checks + 1))
[ "$(grep -c "multipath traceroute" "$tmp/demo.log")" -eq 10 ] ||
  fail "expected 10 directions traced (5 two-way runs), saw $(grep -c "multipath traceroute" "$tmp/demo.log")"
checks=$((checks + 1))
[ "$(grep -cE "^(forward|reverse): (reached|the server's probes reached us)" "$tmp/demo.log")" -eq 10 ] ||
  fail "not every direction reached its end: $(grep -E "^(forward|reverse): " "$tmp/demo.log")"
checks=$((checks + 1))
[ "$(grep -c "paths (truth" "$tmp/demo.log")" -eq 4 ] || fail "the ground truth is missing"
checks=$((checks + 1))
[ "$(grep -c "counters at exit" "$tmp/demo.log")" -eq 2 ] || fail "the server's exit counters are missing"
checks=$((checks + 1))
[ -z "$(ip netns list | grep "^rtl")" ] || fail "namespaces left behind: $(ip netns list | grep "^rtl")"
lab_summary
