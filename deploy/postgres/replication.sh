#!/usr/bin/env bash
# Runs once, when the primary's data directory is created: a role the standby replicates with,
# and the line of pg_hba.conf that lets it connect for replication.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -c "CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD 'replication';"
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
