#!/usr/bin/env bash
# Start a throw-away PostgreSQL cluster for the service tests and print the URL to export:
#   eval "$(bash scripts/pg_test_cluster.sh)"   # sets MEDCODE_TEST_DATABASE_URL
# Needs the Debian server package (apt-get install -y postgresql). Runs the server as the 'postgres' user when
# started by root. PGPORT (default 55432) and PGDIR (default /tmp/medcode-pg) can be overridden.
set -euo pipefail
PGPORT="${PGPORT:-55432}"
PGDIR="${PGDIR:-/tmp/medcode-pg}"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
if [ -z "$BIN" ]; then
  echo "echo 'PostgreSQL server binaries not found: apt-get install -y postgresql' >&2"
  exit 1
fi
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
if [ ! -f "$PGDIR/PG_VERSION" ]; then
  mkdir -p "$PGDIR"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$PGDIR"
  as_pg "'$BIN/initdb' -D '$PGDIR' -U postgres --auth=trust -E UTF8 >/dev/null"
fi
if ! as_pg "'$BIN/pg_ctl' -D '$PGDIR' status" >/dev/null 2>&1; then
  as_pg "'$BIN/pg_ctl' -D '$PGDIR' -l '$PGDIR/server.log' -o '-p $PGPORT -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=300' -w start" >/dev/null
fi
as_pg "'$BIN/psql' -h 127.0.0.1 -p $PGPORT -U postgres -tAc \"SELECT 1 FROM pg_database WHERE datname='medcode_test'\"" | grep -q 1 \
  || as_pg "'$BIN/createdb' -h 127.0.0.1 -p $PGPORT -U postgres medcode_test"
echo "export MEDCODE_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:$PGPORT/medcode_test"
