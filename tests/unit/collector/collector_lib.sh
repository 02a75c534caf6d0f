# SPDX-License-Identifier: MIT
# Helpers for tests and benches that run a collector on loopback: start it on a free port, wait
# until it listens, stop it. Source this file; COLLECTOR_URL, COLLECTOR_PID and COLLECTOR_LOG are
# set by collector_start. Any command prefix (e.g. `ip netns exec NS`) can be put in
# COLLECTOR_WRAP.

# collector_start BIN DB [options...]
collector_start() {
  local bin=$1 db=$2; shift 2
  COLLECTOR_LOG=${COLLECTOR_LOG:-$(mktemp)}
  : > "$COLLECTOR_LOG"
  ${COLLECTOR_WRAP:-} "$bin" --listen 127.0.0.1:0 --db "$db" "$@" 2>> "$COLLECTOR_LOG" &
  COLLECTOR_PID=$!
  local i
  for i in $(seq 100); do
    COLLECTOR_URL=$(grep -o 'https\?://127\.0\.0\.1:[0-9]*' "$COLLECTOR_LOG" | head -1)
    [ -n "$COLLECTOR_URL" ] && return 0
    kill -0 "$COLLECTOR_PID" 2> /dev/null || break
    sleep 0.05
  done
  echo "collector did not start:" >&2
  cat "$COLLECTOR_LOG" >&2
  return 1
}

# collector_stop [SIGNAL]
collector_stop() {
  [ -n "${COLLECTOR_PID:-}" ] || return 0
  kill "-${1:-TERM}" "$COLLECTOR_PID" 2> /dev/null
  wait "$COLLECTOR_PID" 2> /dev/null
  COLLECTOR_PID=
}

# expect_status STATUS DESCRIPTION CURL_ARGS...: counts a check (tests/lab/netlab.sh's `checks`
# and `fail`); the answer's status must be STATUS. The body is left in $tmp/body.
expect_status() {
  local want=$1 what=$2 got; shift 2
  checks=$((checks + 1))
  got=$(curl -s -o "$tmp/body" -w '%{http_code}' "$@")
  [ "$got" = "$want" ] || fail "$what: status $got, expected $want ($(head -c 300 "$tmp/body"))"
}
