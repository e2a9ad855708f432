#!/usr/bin/env bash
# A backup of the whole portal in one archive: the database (pg_dump, custom format) and every
# public and private file (from the local folders or the object-storage bucket, whichever the
# settings name), with SHA-256 checksums of everything. See docs/production.md §4.
#
#   scripts/backup.sh [--compose] [DEST]      DEST defaults to $BACKUP_DIR or ./backup
#
# Environment: DATABASE_URL (postgres://…) and the portal's storage settings, as for the portal;
# BACKUP_KEEP (archives kept in DEST, default 14); to encrypt, BACKUP_AGE_RECIPIENT (an age
# public key) or BACKUP_GPG_PASSPHRASE_FILE (gpg symmetric, AES-256). With --compose the dump is
# taken inside the postgres container and the files are read by a one-off web container.
set -euo pipefail
cd "$(dirname "$0")/.."

compose=0
if [ "${1:-}" = "--compose" ]; then compose=1; shift; fi
dest="${1:-${BACKUP_DIR:-backup}}"
keep="${BACKUP_KEEP:-14}"
python="${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python )}"
case "$keep" in ''|*[!0-9]*|0) echo "BACKUP_KEEP must be a positive number" >&2; exit 2 ;; esac

mkdir -p "$dest"
dest="$(cd "$dest" && pwd)"
stamp="$(date -u +%Y%m%dT%H%M%S.%3NZ)"
name="dvc-backup-$stamp"
work="$(mktemp -d "$dest/.partial-$stamp.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# 1. The database first: a file the dump refers to is then always in the file copy.
if [ "$compose" = 1 ]; then
  docker compose exec -T postgres sh -c 'pg_dump -U "$POSTGRES_USER" --format=custom --no-owner "$POSTGRES_DB"' \
    > "$work/database.dump"
else
  : "${DATABASE_URL:?DATABASE_URL must name the portal database (postgres://…)}"
  pg_dump --format=custom --no-owner --file "$work/database.dump" "${DATABASE_URL/#postgres:/postgresql:}"
fi

# 2. Every file of both storages, with its checksum in files/manifest.json.
if [ "$compose" = 1 ]; then
  chmod 0777 "$work"
  docker compose run --rm --no-deps -T -v "$work:/backup" --entrypoint "" web \
    python manage.py backup_files --to /backup/files
else
  "$python" manage.py backup_files --to "$work/files"
fi

# Every file of the set is checked before a restore touches the database.
(cd "$work" && find database.dump files -type f -print0 | sort -z | xargs -0 sha256sum > SHA256SUMS)

# 3. One archive, encrypted when a key is configured, written under its final name at the end.
archive="$dest/$name.tar"
tar -C "$work" -cf "$work/$name.tar" SHA256SUMS database.dump files
if [ -n "${BACKUP_AGE_RECIPIENT:-}" ]; then
  age --encrypt --recipient "$BACKUP_AGE_RECIPIENT" --output "$work/$name.tar.age" "$work/$name.tar"
  archive="$archive.age"
elif [ -n "${BACKUP_GPG_PASSPHRASE_FILE:-}" ]; then
  gpg --batch --quiet --yes --symmetric --cipher-algo AES256 \
    --passphrase-file "$BACKUP_GPG_PASSPHRASE_FILE" --output "$work/$name.tar.gpg" "$work/$name.tar"
  archive="$archive.gpg"
fi
mv "$work/$(basename "$archive")" "$archive"

# 4. Retention: the newest $keep archives stay.
ls -1 "$dest"/dvc-backup-*.tar* 2>/dev/null | sort -r | tail -n +"$((keep + 1))" | while read -r old; do
  rm -f -- "$old"
done

echo "$archive"
