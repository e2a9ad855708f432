#!/usr/bin/env bash
# `make run`: the demo portal with a real Celery worker and beat, and no server to install.
#
# Without REDIS_URL the broker is kombu's filesystem transport (messages are files under
# var/celery/queue/): runserver queues tasks there and the worker, with an embedded beat,
# runs them, including the periodic ones (notification sweeper, deadline scan, ...).
# The worker's output (its log, the e-mails and SMS of the console backends) goes to
# var/log/worker.log: `tail -f var/log/worker.log`.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
# Exported: the settings build PORTAL_BASE_URL from them, in runserver and the worker alike.
export HOST=${HOST:-127.0.0.1}
export PORT=${PORT:-8000}
VAR=${RUN_VAR_DIR:-var}

if [[ -z "${REDIS_URL:-}" ]]; then
  export CELERY_BROKER_URL=${CELERY_BROKER_URL:-filesystem://}
  export CELERY_FILESYSTEM_FOLDER=${CELERY_FILESYSTEM_FOLDER:-$VAR/celery}
fi
mkdir -p "$VAR/celery/queue" "$VAR/celery/control" "$VAR/log"

# --pool=solo: one task at a time, enough for a demo and gentle on SQLite.
"$BIN/celery" -A portal worker --beat --pool=solo --loglevel=INFO \
  --without-mingle --without-gossip \
  --hostname="demo@%h" \
  --schedule="$VAR/celery/beat-schedule" \
  --logfile="$VAR/log/worker.log" &
worker=$!
stop_worker() {
  kill "$worker" 2>/dev/null || true
  wait "$worker" 2>/dev/null || true
}
trap stop_worker EXIT INT TERM
echo "Celery worker and beat started (pid $worker); their log: tail -f $VAR/log/worker.log"

"$BIN/python" manage.py runserver "$HOST:$PORT"
