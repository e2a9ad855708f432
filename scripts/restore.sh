#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into a FRESH database and fresh storages, verifying
# every file by its SHA-256. See docs/production.md §4.
#
#   scripts/restore.sh [--compose] ARCHIVE
#
# Environment: DATABASE_URL of an existing, empty database and the portal's storage settings
# (local folders or a bucket), as for the portal; BACKUP_AGE_IDENTITY (an age key file) or
# BACKUP_GPG_PASSPHRASE_FILE for an encrypted archive. With --compose, web, worker and beat are
# stopped first, the database is restored inside the postgres container (into the empty
# POSTGRES_DB) and the files by a one-off web container; start the stack again afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

compose=0
if [ "${1:-}" = "--compose" ]; then compose=1; shift; fi
archive="${1:?usage: scripts/restore.sh [--compose] ARCHIVE}"
python="${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python )}"
[ -f "$archive" ] || { echo "No such archive: $archive" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/dvc-restore.XXXXXX")"
trap 'rm -rf "$work"' EXIT

case "$archive" in
  *.age) age --decrypt --identity "${BACKUP_AGE_IDENTITY:?BACKUP_AGE_IDENTITY is needed}" \
           --output "$work/backup.tar" "$archive" ;;
  *.gpg) gpg --batch --quiet --decrypt \
           --passphrase-file "${BACKUP_GPG_PASSPHRASE_FILE:?BACKUP_GPG_PASSPHRASE_FILE is needed}" \
           --output "$work/backup.tar" "$archive" ;;
  *) cp "$archive" "$work/backup.tar" ;;
esac
mkdir "$work/set"
tar -C "$work/set" -xf "$work/backup.tar"
(cd "$work/set" && sha256sum --check --quiet SHA256SUMS) \
  || { echo "The archive is damaged: checksums differ." >&2; exit 1; }

tables_in() { # how many tables the target database already has
  local query="SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"
  if [ "$compose" = 1 ]; then
    docker compose exec -T -e QUERY="$query" postgres \
      sh -c 'psql -U "$POSTGRES_USER" -d "$POSTGRES_DB" -tAc "$QUERY"'
  else
    psql "${DATABASE_URL/#postgres:/postgresql:}" -tAc "$query"
  fi
}

if [ "$compose" = 1 ]; then
  docker compose stop web worker beat
fi
: "${DATABASE_URL:=}"
if [ "$compose" = 0 ] && [ -z "$DATABASE_URL" ]; then
  echo "DATABASE_URL must name the (empty) database to restore into." >&2; exit 2
fi
if [ "$(tables_in | tr -d '[:space:]')" != "0" ]; then
  echo "The target database is not empty: restore into a fresh database." >&2; exit 1
fi

# 1. The database.
if [ "$compose" = 1 ]; then
  docker compose exec -T postgres sh -c \
    'pg_restore -U "$POSTGRES_USER" -d "$POSTGRES_DB" --no-owner --exit-on-error' < "$work/set/database.dump"
else
  pg_restore --no-owner --exit-on-error -d "${DATABASE_URL/#postgres:/postgresql:}" "$work/set/database.dump"
fi

# 2. The files, each read back and compared with its checksum.
if [ "$compose" = 1 ]; then
  chmod -R a+rX "$work"
  docker compose run --rm --no-deps -T -v "$work/set:/backup:ro" --entrypoint "" web \
    sh -c 'python manage.py ensure_object_storage && python manage.py restore_files --from /backup/files'
  echo "Restored. Start the portal again: docker compose up -d"
else
  "$python" manage.py ensure_object_storage
  "$python" manage.py restore_files --from "$work/set/files"
fi
