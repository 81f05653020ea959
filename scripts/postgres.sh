#!/usr/bin/env bash
# A throwaway PostgreSQL server for the test suite, on loopback, in a temporary folder.
#   eval "$(scripts/postgres.sh start)"          # prints the export lines: POLICYBOT_TEST_POSTGRES_URL / _DIR
#   scripts/postgres.sh stop "$POLICYBOT_TEST_POSTGRES_DIR"
# Installs Debian's postgresql package when no server is on the machine. As root, the cluster runs as the
# `postgres` user (PostgreSQL refuses to run as root). Fsync is off: the data is thrown away afterwards.
set -euo pipefail

server_bin() {
  { ls -d /usr/lib/postgresql/*/bin 2>/dev/null || true; } | sort -V | tail -n 1
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  local bin
  bin="$(server_bin)"
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "installing PostgreSQL from Debian's packages…" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q postgresql >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q postgresql >/dev/null 2>&1; } \
      || { echo "error: could not install postgresql" >&2; exit 1; }
    bin="$(server_bin)"
  fi
  local dir port
  dir="$(mktemp -d /tmp/policybot-pg.XXXXXX)"
  chmod 755 "$dir"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale --no-sync >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($dir)" >&2
  echo "export POLICYBOT_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
  echo "export POLICYBOT_TEST_POSTGRES_DIR=$dir"
}

stop() {
  local dir="${1:?usage: scripts/postgres.sh stop DIR}"
  [ -d "$dir/data" ] || exit 0
  as_owner "$(server_bin)/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  *) echo "usage: scripts/postgres.sh start | stop DIR" >&2; exit 2 ;;
esac
