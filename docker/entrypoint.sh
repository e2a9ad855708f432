#!/bin/sh
# Container entrypoint: optionally apply migrations, then run the given command
# (gunicorn by default; `celery -A portal worker|beat` for the other services).
set -eu

if [ "${RUN_MIGRATIONS:-0}" = "1" ]; then
    echo "entrypoint: applying database migrations" >&2
    python manage.py migrate --noinput
fi

exec "$@"
