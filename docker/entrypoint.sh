#!/bin/sh
# Container entrypoint: optionally apply migrations, then run the given command
# (gunicorn by default; `celery -A portal worker|beat` for the other services).
set -eu

if [ "${RUN_MIGRATIONS:-0}" = "1" ]; then
    echo "entrypoint: applying database migrations" >&2
    # As the database's owner when MIGRATION_DATABASE_URL is set: the application user of
    # DATABASE_URL may not change the schema (docker/postgres/app-role.sql).
    DATABASE_URL="${MIGRATION_DATABASE_URL:-$DATABASE_URL}" python manage.py migrate --noinput
fi

exec "$@"
