#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL cluster: initdb on a temporary directory, start it
# on a free loopback port, export DATABASE_URL, run the command, and stop and delete the cluster
# whatever happens (trap on EXIT). As root the server runs as `postgres` (runuser).
# PG_EXTRA_OPTS adds server options (the benchmark loads pg_stat_statements that way).
set -euo pipefail

pg_bin=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)}
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  pg_bin=$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")
fi
if [ ! -x "$pg_bin/initdb" ] || [ ! -x "$pg_bin/pg_ctl" ]; then
  echo "error: PostgreSQL server binaries (initdb, pg_ctl) not found." >&2
  echo "Install them (apt-get install postgresql; .ci/run does) or use B2B_TEST_DB=sqlite make test." >&2
  exit 2
fi

datadir=$(mktemp -d "${TMPDIR:-/tmp}/b2b-pg.XXXXXX")
as_postgres=()
if [ "$(id -u)" = 0 ]; then
  chown postgres: "$datadir"
  as_postgres=(runuser -u postgres --)
fi
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

cleanup() {
  "${as_postgres[@]}" "$pg_bin/pg_ctl" -D "$datadir" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$datadir"
}
trap cleanup EXIT

"${as_postgres[@]}" "$pg_bin/initdb" -D "$datadir" -U postgres --auth=trust -E UTF8 --no-locale >/dev/null
"${as_postgres[@]}" "$pg_bin/pg_ctl" -D "$datadir" -l "$datadir/server.log" -w -t 60 \
  -o "-p $port -k $datadir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 ${PG_EXTRA_OPTS:-}" \
  start >/dev/null || { cat "$datadir/server.log" >&2; exit 1; }
echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (throwaway cluster in $datadir)" >&2

export DATABASE_URL="postgres://postgres@127.0.0.1:$port/b2b_portal"
"$@"
