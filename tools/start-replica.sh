#!/usr/bin/env bash
# Starts a streaming replica of the local PostgreSQL server (127.0.0.1:5432) on another port, made
# with pg_basebackup, for the read-replica tests: PostgreSQL's own replication, not a copy.
#   tools/start-replica.sh [PORT] [DIRECTORY]      (defaults: 5433, /tmp/officina-replica)
# Needs root (to allow replication connections in the primary's pg_hba.conf and to run the
# replica as the postgres user) or the postgres user itself. Prints the replica's URL.
set -euo pipefail
port="${1:-5433}"
dir="${2:-/tmp/officina-replica}"
primary="postgres://postgres@127.0.0.1:5432/postgres"
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
as_postgres() { if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi; }

if pg_isready -h 127.0.0.1 -p "$port" -q 2>/dev/null; then
  echo "postgres://postgres@127.0.0.1:$port/postgres"
  exit 0
fi
# The primary must accept replication connections from loopback.
hba="$(psql "$primary" -Atc 'SHOW hba_file')"
if ! grep -Eq '^host[[:space:]]+replication[[:space:]]+all[[:space:]]+127\.0\.0\.1/32' "$hba"; then
  echo "host replication all 127.0.0.1/32 trust" >> "$hba"
  psql "$primary" -Atc 'SELECT pg_reload_conf()' >/dev/null
fi
rm -rf "$dir"
install -d -o postgres -g postgres -m 0700 "$dir"
as_postgres "$bin/pg_basebackup" -h 127.0.0.1 -p 5432 -U postgres -D "$dir" -R -X stream -c fast
# A Debian cluster keeps its configuration outside the data directory: give the replica its own.
as_postgres bash -c "cat > '$dir/postgresql.conf'" <<CONF
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '/tmp'
hot_standby = on
max_connections = 200
CONF
as_postgres bash -c "printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' > '$dir/pg_hba.conf'"
as_postgres "$bin/pg_ctl" -D "$dir" -l "$dir/replica.log" -w start >/dev/null
for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p "$port" -q && break; sleep 1; done
echo "postgres://postgres@127.0.0.1:$port/postgres"
