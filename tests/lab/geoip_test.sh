#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Lab test of places (GeoIP, issue 29) on the line topology: a two-way trace with --geoip and
# the test's own database (tests/geoip/lab_places.json: a city with coordinates for most lab
# addresses, a country only for r2's forward address, nothing for r3's) stores the expected
# place per address in JSON (schema-valid) and GeoJSON (points per direction, lines through the
# hops without coordinates), and -G shows them in the text, single path and multipath. IPv6
# lab addresses are documentation addresses (2001:db8::/32): no place, although the database
# has an entry.
# The report (-c -G) shows places in both directions' tables, and in the live view under tmux
# the g key shows and hides them. A missing or damaged --geoip file is one sentence and exit
# code 2, before any probe.
# Usage: geoip_test.sh BUILD_DIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=netlab.sh
source "$here/netlab.sh"
lab_require_root

build=$1
server_bin="$build/server/reverse-traceroute-server"
client_bin="$build/client/reverse-traceroute"
database="$build/tests/geoip/lab.mmdb"
[ -r "$database" ] || { echo "FAIL: $database is missing: build the tests (make geoip_test_databases)"; exit 1; }

tmp=$(mktemp -d)
session=rtt-geoip-$$
trap 'tmux kill-session -t "$session" 2>/dev/null; lab_down; [ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT

file="$here/topologies/line.topo"
lab_up "$file"
server_link=$(lab_link_between server r3)
LAB_SERVER_LOG=$tmp/server.log
lab_start_server "$server_bin" "$(lab_only_iface server)" || fail "the server did not attach: $(cat "$tmp/server.log")"

# IPv4: places in the text (-G), the JSON and the GeoJSON.
target=$(lab_addr "server:$server_link" 4)
lab_exec client timeout 60 "$client_bin" -n -G --geoip "$database" --store-json --format geojson -o "$tmp/v4" \
  "$target" > "$tmp/v4.txt" 2> "$tmp/v4.err"
rc=$?
checks=$((checks + 1))
[ "$rc" -eq 0 ] || fail "v4: exit code $rc: $(cat "$tmp/v4.err")"
for line in "^ *1  198.18.1.2 \[Augsburg, DE\] " "^ *2  198.18.2.2 \[AT\] " "^ *3  198.18.3.2 \[no location\] " \
  "^ *1  198.18.4.1 \[Milan, IT\] " "^ *3  198.18.2.1 \[Innsbruck, AT\] "; do
  checks=$((checks + 1))
  grep -q "$line" "$tmp/v4.txt" || fail "v4 text: no line matching '$line': $(cat "$tmp/v4.txt")"
done
out=$(lab_schema_valid "$tmp/v4.json") || fail "v4 JSON: $out"
out=$(/usr/bin/python3 - "$tmp/v4.json" "$tmp/v4.geojson" <<'PY'
import json, sys
m = json.load(open(sys.argv[1])); g = json.load(open(sys.argv[2]))
problems = []
expected = {
    "198.18.1.1": ("DE", "Munich", 48.14, 11.58), "198.18.1.2": ("DE", "Augsburg", 48.37, 10.9),
    "198.18.2.2": ("AT", None, None, None), "198.18.2.1": ("AT", "Innsbruck", 47.26, 11.39),
    "198.18.3.1": ("AT", "Vienna", 48.21, 16.37), "198.18.4.1": ("IT", "Milan", 45.46, 9.19),
    "198.18.4.2": ("CH", "Zurich", 47.37, 8.54),
}
places = m.get("locations", {})
if set(places) != set(expected):
    problems.append(f"located {sorted(places)}, expected {sorted(expected)}")
for address, (country, city, lat, lon) in expected.items():
    p = places.get(address, {})
    got = (p.get("country"), p.get("city"), p.get("latitude"), p.get("longitude"))
    if got != (country, city, lat, lon):
        problems.append(f"{address}: {got}, expected {(country, city, lat, lon)}")
if m.get("geoip", {}).get("database_type") != "DBIP-City-Lite" or m["geoip"].get("located_by") != "client":
    problems.append(f"geoip: {m.get('geoip')}")
# GeoJSON: points with coordinates only, lines between consecutive located hops.
if g.get("type") != "FeatureCollection":
    problems.append("GeoJSON: not a FeatureCollection")
points = {}
lines = {}
for f in g.get("features", []):
    p = f["properties"]
    if f["geometry"]["type"] == "Point":
        points.setdefault(p["direction"], []).append(p["address"])
        lon, lat = f["geometry"]["coordinates"]
        if (lat, lon) != (expected[p["address"]][2], expected[p["address"]][3]):
            problems.append(f"GeoJSON point {p['address']} at {lat},{lon}")
    else:
        lines.setdefault(p["direction"], []).append((p["from"], p["to"], p["hidden_hops"]))
want_points = {"forward": ["198.18.1.1", "198.18.1.2", "198.18.4.2"],
               "reverse": ["198.18.1.1", "198.18.2.1", "198.18.3.1", "198.18.4.1", "198.18.4.2"]}
for d, addresses in want_points.items():
    if sorted(points.get(d, [])) != sorted(addresses):
        problems.append(f"GeoJSON {d} points {sorted(points.get(d, []))}, expected {sorted(addresses)}")
want_lines = {"forward": [("198.18.1.1", "198.18.1.2", 0), ("198.18.1.2", "198.18.4.2", 2)],
              "reverse": [("198.18.4.2", "198.18.4.1", 0), ("198.18.4.1", "198.18.3.1", 0),
                          ("198.18.3.1", "198.18.2.1", 0), ("198.18.2.1", "198.18.1.1", 0)]}
for d, want in want_lines.items():
    if sorted(lines.get(d, [])) != sorted(want):
        problems.append(f"GeoJSON {d} lines {sorted(lines.get(d, []))}, expected {sorted(want)}")
print("; ".join(problems))
sys.exit(1 if problems else 0)
PY
)
rc=$?
checks=$((checks + 1))
[ "$rc" -eq 0 ] || fail "v4 places: $out"

# IPv6: documentation addresses have no place, whatever the database says.
target6=$(lab_addr "server:$server_link" 6)
lab_exec client timeout 60 "$client_bin" -n -G --geoip "$database" -j "$target6" > "$tmp/v6.json" 2> "$tmp/v6.err"
rc=$?
checks=$((checks + 1))
[ "$rc" -eq 0 ] || fail "v6: exit code $rc: $(cat "$tmp/v6.err")"
checks=$((checks + 1))
[ "$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("locations"))' "$tmp/v6.json")" = "{}" ] ||
  fail "v6: documentation addresses were given places: $(grep -A3 locations "$tmp/v6.json")"
lab_exec client timeout 60 "$client_bin" -n -G --geoip "$database" "$target6" > "$tmp/v6.txt" 2>&1
checks=$((checks + 1))
[ "$(grep -c '\[no location\]' "$tmp/v6.txt")" -ge 6 ] || fail "v6 text: hops not marked [no location]: $(cat "$tmp/v6.txt")"

# Multipath: each vertex with its place.
lab_exec client timeout 60 "$client_bin" -n -G --geoip "$database" multipath "$target" > "$tmp/multipath.txt" 2>&1
rc=$?
checks=$((checks + 1))
[ "$rc" -eq 0 ] && grep -q "^ 1  198.18.1.2 \[Augsburg, DE\] " "$tmp/multipath.txt" &&
  grep -q "^ 3  198.18.2.1 \[Innsbruck, AT\] " "$tmp/multipath.txt" ||
  fail "multipath: exit $rc, vertices without their places: $(cat "$tmp/multipath.txt")"

# The report: places in both directions' tables.
lab_exec client timeout 60 "$client_bin" -n -G --geoip "$database" -c 2 --interval 0.1 "$target" > "$tmp/report.txt" 2>&1
rc=$?
checks=$((checks + 1))
[ "$rc" -eq 0 ] && grep -q "^  1  198.18.1.2 \[Augsburg, DE\] .*|    1  198.18.4.1 \[Milan, IT\] " "$tmp/report.txt" ||
  fail "report: exit $rc, no places in hop 1 of both tables: $(cat "$tmp/report.txt")"

# The live view: g shows and hides the places.
lab_tmux_client "$session" "$tmp/live.rc" "$client_bin" -n --geoip "$database" --live --interval 0.2 "$target"
screen() { lab_tmux_screen "$session"; }
checks=$((checks + 1))
lab_tmux_wait_for "$session" "^  1  198.18.1.2 " && lab_tmux_wait_for "$session" "g places" ||
  fail "live view: no table or no g key: $(screen)"
checks=$((checks + 1))
! screen | grep "Augsburg" > /dev/null || fail "live view: places shown before g: $(screen)"
tmux send-keys -t "$session" g
checks=$((checks + 1))
lab_tmux_wait_for "$session" "^  1  198.18.1.2 \[Augsburg, DE\]" || fail "live view: g did not show places: $(screen)"
tmux send-keys -t "$session" g
checks=$((checks + 1))
lab_tmux_wait_for "$session" "^  1  198.18.1.2  " || fail "live view: g again did not hide them: $(screen)"
tmux send-keys -t "$session" q
checks=$((checks + 1))
[ "$(lab_tmux_exit_code "$tmp/live.rc")" = 0 ] || fail "live view: q did not end it with exit code 0: $(screen)"

# Bad database files: one sentence, exit code 2, no probe sent (the server saw no request).
head -c 500 "$database" > "$tmp/truncated.mmdb"
for bad in /nonexistent/GeoLite2-City.mmdb "$tmp/truncated.mmdb"; do
  lab_exec client timeout 20 "$client_bin" --geoip "$bad" "$target" > "$tmp/bad.out" 2> "$tmp/bad.err"
  rc=$?
  checks=$((checks + 1))
  [ "$rc" -eq 2 ] && [ "$(wc -l < "$tmp/bad.err")" -eq 1 ] && grep -q "$bad" "$tmp/bad.err" ||
    fail "--geoip $bad: exit $rc, stderr: $(cat "$tmp/bad.err")"
done

lab_summary
