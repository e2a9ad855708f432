# The two commands: `make run` (demo portal on http://127.0.0.1:8000) and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup system-deps system-deps-test messages messages-update migrate bench lint format typecheck clean

$(BIN)/.installed: pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e ".[dev]"
	@touch $@

system-deps:
	@scripts/system-deps.sh run

system-deps-test:
	@scripts/system-deps.sh test

messages: $(BIN)/.installed
	$(MANAGE) compilemessages --ignore ".venv" -v0

# After changing translatable strings: refresh the catalogue, then translate the new entries.
messages-update: $(BIN)/.installed
	$(MANAGE) makemessages -l vi --no-location --ignore "bench/*" --ignore ".venv/*" --ignore "var/*"

migrate: $(BIN)/.installed
	@mkdir -p var
	$(MANAGE) migrate --noinput -v0

setup: system-deps $(BIN)/.installed messages migrate

# The portal on runserver plus a Celery worker with an embedded beat (scripts/run.sh);
# without Redis the broker is a folder under var/celery/. Worker log: var/log/worker.log.
# HOST and PORT reach every process, so links (e-mails, QR codes, the sandbox gateway) follow
# them unless PORTAL_BASE_URL is set.
run: setup
	HOST=$(HOST) PORT=$(PORT) $(MANAGE) seed_demo
	HOST=$(HOST) PORT=$(PORT) scripts/run.sh

# The suite runs on the real PostgreSQL and Redis (started here when they are down); point
# DATABASE_URL / REDIS_URL elsewhere to use other servers.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/dvc
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
# The S3-compatible object store (SeaweedFS, started by scripts/test-services.sh object-store).
TEST_S3_ENDPOINT_URL ?= http://127.0.0.1:18333
# Parallel test processes (pytest-xdist); each has its own test database and Redis database.
TEST_WORKERS ?= 2

# The local OpenID Connect provider the single sign-on tests run against (npm oidc-provider).
tests/oidc_provider/node_modules/.package-lock.json: tests/oidc_provider/package-lock.json
	cd tests/oidc_provider && npm ci --no-audit --no-fund

test: system-deps-test $(BIN)/.installed messages tests/oidc_provider/node_modules/.package-lock.json
	@if [ -z "$$DATABASE_URL" ]; then scripts/test-services.sh; fi
	@if [ -z "$$S3_TEST_ENDPOINT_URL" ]; then scripts/test-services.sh object-store; fi
	DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" REDIS_URL="$${REDIS_URL:-$(TEST_REDIS_URL)}" \
	  S3_TEST_ENDPOINT_URL="$${S3_TEST_ENDPOINT_URL:-$(TEST_S3_ENDPOINT_URL)}" \
	  $(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(BIN)/.installed
	$(BIN)/mypy portal procedures dossiers payments feedback reporting opendata audit signing documents eforms privacy bookings

# Throughput and latency of pages against a bare Django view (gunicorn on PostgreSQL).
bench: $(BIN)/.installed
	@scripts/system-deps.sh bench
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache
