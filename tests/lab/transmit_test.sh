#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `reverse-traceroute --transmit` end to end: a two-way trace through the lab (line topology,
# real server) submitted to a collector running in the client's namespace. The URL comes from
# the option, the environment or the config file; the token from the environment or the config
# file; the stored document equals what --json printed. Refusals keep the measurement: a wrong
# token, a collector that is down, a declined confirmation, an untrusted HTTPS certificate each
# save it under $XDG_STATE_HOME/reverse-traceroute/unsent, say so in one sentence and exit 1.
# Without a terminal and without -y it refuses before tracing. The confirmation, answered on a
# pseudo-terminal, shows host names unless -n.
# Usage: transmit_test.sh BUILD_DIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/netlab.sh"
source "$here/../unit/collector/collector_lib.sh"
lab_require_root

build=$1
client_bin="$build/client/reverse-traceroute"
collector_bin="$build/collector/reverse-traceroute-collector"
tmp=$(mktemp -d)
trap 'collector_stop; lab_stop_server; lab_down; rm -rf "$tmp"' EXIT

lab_up "$here/topologies/line.topo"
lab_start_server "$build/server/reverse-traceroute-server" r3 || { echo "server did not start"; exit 1; }
server=$(lab_addr server:4 4)
lab_hosts client "$(lab_addr r2:2 4) r2.lab.example"
token=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
echo "$token" > "$tmp/tokens"
COLLECTOR_WRAP="ip netns exec $(lab_ns client)"
collector_start "$collector_bin" "$tmp/m.db" --token-file "$tmp/tokens" || exit 1
url=$COLLECTOR_URL

# client ENV... -- ARGS...: runs the client in the client namespace with a clean environment
# (HOME, XDG dirs in $tmp) plus ENV; stdout in $tmp/out, stderr in $tmp/err, exit code in $rc.
client() {
  local env=(HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/config" XDG_STATE_HOME="$tmp/state" PATH="$PATH")
  while [ "$1" != "--" ]; do env+=("$1"); shift; done
  shift
  ip netns exec "$(lab_ns client)" env -i "${env[@]}" "$client_bin" "$@" > "$tmp/out" 2> "$tmp/err" < /dev/null
  rc=$?
}
stored_count() { sqlite3 "$tmp/m.db" "SELECT count(*) FROM measurements"; }
unsent_count() { find "$tmp/state/reverse-traceroute/unsent" -name '*.json' 2> /dev/null | wc -l; }
expect_rc() {  # expect_rc WANT WHAT
  checks=$((checks + 1))
  [ "$rc" -eq "$1" ] || fail "$2: exit code $rc, expected $1 ($(tail -2 "$tmp/err"))"
}

# 1. URL on the command line, token from the environment; the stored document is --json's output.
client REVERSE_TRACEROUTE_TOKEN="$token" -- -n -w 1 --json --transmit "$url" -y two-way udp singlepath "$server"
expect_rc 0 "--transmit URL -y"
checks=$((checks + 1)); grep -q "^transmitted: $url/api/v1/measurements/1$" "$tmp/err" || fail "no 'transmitted' line: $(tail -3 "$tmp/err")"
ip netns exec "$(lab_ns client)" curl -s -H "Authorization: Bearer $token" -o "$tmp/stored.json" "$url/api/v1/measurements/1"
checks=$((checks + 1))
python3 -c "import json,sys; sys.exit(json.load(open('$tmp/out')) != json.load(open('$tmp/stored.json')))" \
  || fail "stored document differs from --json output"
checks=$((checks + 1)); lab_schema_valid "$tmp/stored.json" || fail "stored document not schema-valid"

# 2. The Augsburg form `--transmit two-way ...` with the URL from the environment.
client REVERSE_TRACEROUTE_COLLECTOR="$url" REVERSE_TRACEROUTE_TOKEN="$token" -- -n -w 1 --transmit -y two-way udp singlepath "$server"
expect_rc 0 "--transmit without URL, REVERSE_TRACEROUTE_COLLECTOR set"
checks=$((checks + 1)); [ "$(stored_count)" -eq 2 ] || fail "second measurement not stored ($(stored_count))"

# 3. Everything from the config file, including a default for another option.
mkdir -p "$tmp/config/reverse-traceroute"
printf 'collector = "%s"\ntoken = "%s"\nmax-ttl = 7\n' "$url" "$token" > "$tmp/config/reverse-traceroute/config"
client -- -n -w 1 --transmit -y forward udp singlepath "$server"
expect_rc 0 "--transmit with collector and token from the config file"
checks=$((checks + 1))
[ "$(sqlite3 "$tmp/m.db" "SELECT json_extract(document, '\$.max_ttl') FROM measurements WHERE id = 3")" = 7 ] \
  || fail "the config file's max-ttl = 7 did not reach the measurement"
# The environment beats the config file (here: a URL where nothing listens).
client REVERSE_TRACEROUTE_COLLECTOR="http://127.0.0.1:9" -- -n -w 1 --transmit -y forward udp singlepath "$server"
expect_rc 1 "REVERSE_TRACEROUTE_COLLECTOR over the config file"
checks=$((checks + 1)); grep -q "could not reach http://127.0.0.1:9" "$tmp/err" || fail "env URL not used: $(tail -2 "$tmp/err")"
rm "$tmp/config/reverse-traceroute/config"

# 4. A wrong or a missing token: refused before any probe is sent (issue 26: it was noticed only
# after the trace), one sentence, exit 1, nothing to save because nothing was measured.
before=$(unsent_count)
client REVERSE_TRACEROUTE_TOKEN=wrong -- -n -w 1 --transmit "$url" -y two-way udp singlepath "$server"
expect_rc 1 "wrong token"
checks=$((checks + 1)); grep -q "refused the token .*nothing was probed" "$tmp/err" || fail "wrong token message: $(tail -2 "$tmp/err")"
checks=$((checks + 1)); [ ! -s "$tmp/out" ] || fail "wrong token: a trace ran: $(head -3 "$tmp/out")"
checks=$((checks + 1)); [ "$(unsent_count)" -eq "$before" ] || fail "wrong token: something was saved"
client -- -n -w 1 --transmit "$url" -y two-way udp singlepath "$server"
expect_rc 1 "no token"
checks=$((checks + 1)); grep -q "needs a token and none is set: nothing was probed" "$tmp/err" || fail "no token message: $(tail -2 "$tmp/err")"
checks=$((checks + 1)); [ ! -s "$tmp/out" ] || fail "no token: a trace ran: $(head -3 "$tmp/out")"

# 5. Collector down: saved, and the saved file can be sent later as the message says.
collector_stop
before=$(unsent_count)
client REVERSE_TRACEROUTE_TOKEN="$token" -- -n -w 1 --transmit "$url" -y two-way udp singlepath "$server"
expect_rc 1 "collector down"
checks=$((checks + 1)); grep -q "not sent: could not reach $url" "$tmp/err" || fail "collector down message: $(tail -2 "$tmp/err")"
checks=$((checks + 1)); grep "not sent" "$tmp/err" | grep "saved in $tmp/state/reverse-traceroute/unsent/" > /dev/null \
  || fail "collector down: no saved path in the message"
checks=$((checks + 1)); [ "$(unsent_count)" -eq $((before + 1)) ] || fail "collector down: measurement not saved"
saved=$(grep -o "saved in [^ ]*\.json" "$tmp/err" | cut -d' ' -f3)
checks=$((checks + 1)); lab_schema_valid "$saved" || fail "saved measurement is not schema-valid"
collector_start "$collector_bin" "$tmp/m.db" --token-file "$tmp/tokens" || exit 1
url=$COLLECTOR_URL
checks=$((checks + 1))
[ "$(ip netns exec "$(lab_ns client)" curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" \
     --data-binary @"$saved" "$url/api/v1/measurements")" = 201 ] || fail "the saved measurement cannot be sent later"

# 6. No terminal and no -y: refused before any probe is sent.
client REVERSE_TRACEROUTE_TOKEN="$token" -- -n -w 1 --transmit "$url" two-way udp singlepath "$server"
expect_rc 1 "no terminal, no -y"
checks=$((checks + 1)); grep -q "no terminal to ask on: add -y" "$tmp/err" && [ ! -s "$tmp/out" ] \
  || fail "no terminal: $(cat "$tmp/err")"

# 7. The confirmation on a pseudo-terminal: shows names (not with -n); "n" keeps it, "y" sends it.
confirm() {  # confirm ANSWER CLIENT-ARGS...
  local answer=$1; shift
  printf '%s\n' "$answer" | ip netns exec "$(lab_ns client)" env -i HOME="$tmp/home" XDG_STATE_HOME="$tmp/state" \
    REVERSE_TRACEROUTE_TOKEN="$token" PATH="$PATH" script -qec "$client_bin $*" /dev/null > "$tmp/pty" 2>&1
  rc=$?
}
before=$(stored_count)
confirm n -w 1 --transmit "$url" two-way udp singlepath "$server"
expect_rc 1 "declined"
checks=$((checks + 1)); grep -q "Send it? \[y/N\]" "$tmp/pty" || fail "no question asked: $(tail -5 "$tmp/pty")"
checks=$((checks + 1)); grep -q "host names: .*r2.lab.example" "$tmp/pty" || fail "the question does not list host names: $(grep 'host names' "$tmp/pty")"
checks=$((checks + 1)); grep -q "not sent: you declined; the measurement is saved in" "$tmp/pty" || fail "declined: $(tail -2 "$tmp/pty")"
checks=$((checks + 1)); [ "$(stored_count)" -eq "$before" ] || fail "declined but stored"
confirm y -n -w 1 --transmit "$url" two-way udp singlepath "$server"
expect_rc 0 "confirmed"
checks=$((checks + 1)); grep -q "host names: none" "$tmp/pty" || fail "-n: names shown: $(grep 'host names' "$tmp/pty")"
checks=$((checks + 1)); [ "$(stored_count)" -eq $((before + 1)) ] || fail "confirmed but not stored"
collector_stop

# 8. HTTPS: trusted certificate → sent; untrusted → refused and saved.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" -days 1 \
  -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" 2> /dev/null
collector_start "$collector_bin" "$tmp/m.db" --token-file "$tmp/tokens" --tls-cert "$tmp/cert.pem" --tls-key "$tmp/key.pem" || exit 1
client REVERSE_TRACEROUTE_TOKEN="$token" SSL_CERT_FILE="$tmp/cert.pem" -- -n -w 1 --transmit "$COLLECTOR_URL" -y forward udp singlepath "$server"
expect_rc 0 "HTTPS with a trusted certificate"
checks=$((checks + 1)); grep -q "^transmitted: https://" "$tmp/err" || fail "HTTPS: $(tail -2 "$tmp/err")"
before=$(unsent_count)
client REVERSE_TRACEROUTE_TOKEN="$token" -- -n -w 1 --transmit "$COLLECTOR_URL" -y forward udp singlepath "$server"
expect_rc 1 "HTTPS with an untrusted certificate"
checks=$((checks + 1)); grep -q "not sent: could not reach https://.*certificate is not trusted" "$tmp/err" \
  || fail "untrusted certificate message: $(tail -2 "$tmp/err")"
checks=$((checks + 1)); [ "$(unsent_count)" -eq $((before + 1)) ] || fail "untrusted certificate: not saved"
collector_stop

lab_summary
