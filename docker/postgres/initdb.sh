#!/bin/sh
# Run by the postgres image at the first start of an empty data directory: creates the
# application user (docker/postgres/app-role.sql) that web, worker and beat connect as.
set -eu
psql --no-psqlrc --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v owner="$POSTGRES_USER" -v app="${POSTGRES_APP_USER:-dvc_app}" \
  -v app_password="$POSTGRES_APP_PASSWORD" -f /opt/dvc/app-role.sql
