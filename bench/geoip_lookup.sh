#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What placing a hop costs (issue 29): a synthetic city database (2,000,000 IPv4 /24 and
# 500,000 IPv6 /32 networks, 51 MB; written by bench/geoip_bench_db.pl, since no real one can
# be downloaded here; DB-IP City Lite has more networks of every prefix length), then 1,000,000 lookups per
# family (bench/geoip_lookup.cpp); also the tests' lab database. Written into docs/benchmarks.md
# (the geoip-lookup section). No privileges needed.
# Usage: bench/geoip_lookup.sh BUILD_DIR [V4 V6]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$1 v4=${2:-2000000} v6=${3:-500000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s)
perl "$here/geoip_bench_db.pl" "$tmp/city.mmdb" "$v4" "$v6"
written=$(( $(date +%s) - start ))
size=$(( $(stat -c %s "$tmp/city.mmdb") / 1000000 ))
report="Synthetic city database: $v4 IPv4 /24 and $v6 IPv6 /32 networks, 5,000 city records, $size MB
(written in $written s); GeoIpDatabase::locate, one core:
$("$build/bench/geoip-lookup" "$tmp/city.mmdb" 1000000)

The tests' lab database (tests/geoip/lab_places.json, $(stat -c %s "$build/tests/geoip/lab.mmdb") bytes), random addresses:
$("$build/bench/geoip-lookup" "$build/tests/geoip/lab.mmdb" 1000000)"
echo "$report"
python3 "$here/doc_section.py" --code geoip-lookup "GeoIP: lookup cost per hop" \
  "bash bench/geoip_lookup.sh build $v4 $v6" <<< "$report"
