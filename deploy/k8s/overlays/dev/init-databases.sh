#!/bin/sh
# PostgreSQL's first start (docker-entrypoint-initdb.d): one database per service, all
# owned by the application role `duban` (its password from DUBAN_DB_PASSWORD). Runs only
# when the data volume is empty; a later change of password is an ALTER ROLE.
set -eu
: "${DUBAN_DB_PASSWORD:?DUBAN_DB_PASSWORD must be set}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
     --set=pw="$DUBAN_DB_PASSWORD" <<'SQL'
CREATE ROLE duban LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD :'pw';  -- row-level security binds it (tenancy.py)
SQL
for service in intake tasking deadline escalation reporting; do
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres <<SQL
CREATE DATABASE duban_${service} OWNER duban;
REVOKE ALL ON DATABASE duban_${service} FROM PUBLIC;
SQL
done
