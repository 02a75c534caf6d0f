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

# A throw-away PostgreSQL 15 cluster (Debian's postgresql-15) for the store's tests: created in
# a temp folder, listening on a Unix socket there only (no TCP port, nothing shared with a
# cluster the machine may run), removed by pg_stop. PostgreSQL refuses to run as root, so as
# root the cluster runs as the postgres user. Sets PG_URI (database rtt, user rtt, trust).
# pg_start [DIR]
pg_start() {
  local bin=/usr/lib/postgresql/15/bin as=()
  if [ ! -x "$bin/initdb" ]; then
    echo "PostgreSQL 15 is not installed (Debian package postgresql-15): run scripts/install-deps" >&2
    return 1
  fi
  PG_DIR=${1:-$(mktemp -d)}
  mkdir -p "$PG_DIR"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$PG_DIR"
    as=(runuser -u postgres --)
  fi
  "${as[@]}" "$bin/initdb" -D "$PG_DIR/data" -U rtt --auth=trust --locale=C.UTF-8 --encoding=UTF8 > "$PG_DIR/initdb.log" 2>&1 \
    || { cat "$PG_DIR/initdb.log" >&2; return 1; }
  PG_AS=("${as[@]}")
  pg_server_start || return 1
  "$bin/createdb" -h "$PG_DIR" -U rtt rtt || return 1
  PG_URI="postgresql://rtt@/rtt?host=$PG_DIR"
}

# pg_server_start, pg_server_stop: the cluster's server alone (a database restart under a collector).
pg_server_start() {
  "${PG_AS[@]}" /usr/lib/postgresql/15/bin/pg_ctl -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 \
    -o "-c listen_addresses='' -c unix_socket_directories='$PG_DIR' -c max_connections=100" start > /dev/null \
    || { cat "$PG_DIR/server.log" >&2; return 1; }
}
pg_server_stop() {
  "${PG_AS[@]}" /usr/lib/postgresql/15/bin/pg_ctl -D "$PG_DIR/data" -m immediate -w stop > /dev/null 2>&1
}

# pg_sql SQL: runs SQL in the test database, prints the rows unaligned.
pg_sql() {
  psql -h "$PG_DIR" -U rtt -d rtt -Atq -v ON_ERROR_STOP=1 -c "$1"
}

# pg_stop: stops the cluster and removes its folder.
pg_stop() {
  [ -n "${PG_DIR:-}" ] || return 0
  pg_server_stop
  rm -rf "$PG_DIR"
  PG_DIR=
}
