"""The production stack definition (docker-compose.yml, Dockerfile) is complete and coherent.

No Docker engine is needed: the files are parsed and checked as data.
"""

import importlib.util
import os
import re
import shlex
import stat
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("web", "worker", "beat")
LONG_RUNNING = ("postgres", "redis", "objectstore", "proxy", "web", "worker", "beat")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


@pytest.fixture(scope="module")
def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def command_of(service: dict) -> str:
    command = service.get("command", "")
    return shlex.join(command) if isinstance(command, list) else command


def environment_of(service: dict) -> dict[str, str]:
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    return {key: str(value) for key, value in environment.items()}


def env_files_of(service: dict) -> list[str]:
    env_file = service.get("env_file") or []
    files = [env_file] if isinstance(env_file, str | dict) else env_file
    return [item["path"] if isinstance(item, dict) else item for item in files]


def test_all_services_exist(services):
    assert set(LONG_RUNNING) <= set(services)


@pytest.mark.parametrize("name", ["postgres", "redis", "objectstore", "proxy", "web", "worker"])
def test_long_running_services_have_a_healthcheck(services, name):
    healthcheck = services[name].get("healthcheck")
    assert healthcheck, f"{name} has no healthcheck"
    assert healthcheck.get("test")
    assert not healthcheck.get("disable")


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_long_running_services_restart(services, name):
    assert services[name].get("restart") in {"always", "unless-stopped", "on-failure"}


def test_postgres_and_redis(services):
    postgres, redis = services["postgres"], services["redis"]
    assert postgres["image"].startswith("postgres:16")
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert any(v.endswith(":/var/lib/postgresql/data") for v in postgres["volumes"])
    assert redis["image"].startswith("redis:7")
    assert "ping" in " ".join(redis["healthcheck"]["test"])
    assert any(v.endswith(":/data") for v in redis["volumes"])


def redis_config(compose) -> dict[str, str]:
    (config,) = compose["services"]["redis"]["configs"]
    assert command_of(compose["services"]["redis"]) == f"redis-server {config['target']}"
    lines = compose["configs"][config["source"]]["content"].splitlines()
    return dict(line.split(" ", 1) for line in lines if line.strip())


def test_redis_persists_never_evicts_caps_its_memory_and_asks_for_a_password(compose):
    config = redis_config(compose)
    assert config["appendonly"] == "yes"
    assert config["maxmemory-policy"] == "noeviction"  # a queued task is never dropped
    assert re.fullmatch(r"\$\{REDIS_MAXMEMORY:-\d+mb\}", config["maxmemory"])
    assert config["requirepass"] == "${REDIS_PASSWORD}"
    redis = compose["services"]["redis"]
    # The health check signs in (redis-cli reads REDISCLI_AUTH) and wants the real answer.
    assert environment_of(redis)["REDISCLI_AUTH"].startswith("${REDIS_PASSWORD:?")
    assert "grep -q PONG" in " ".join(redis["healthcheck"]["test"])


def test_every_image_tag_names_a_release(services, dockerfile):
    images = {name: item["image"] for name, item in services.items() if "build" not in item}
    assert set(images) == {"postgres", "redis", "objectstore", "proxy"}
    for name, image in images.items():
        tag = image.rpartition(":")[2]
        # major.minor at least (postgres:16.6, redis:7.4.2, caddy:2.8.4): never "latest" or "16".
        assert re.match(r"\d+\.\d+", tag), f"{name}: {image} is not pinned to a release"
    base = re.search(r"^ARG PYTHON_IMAGE=(\S+)$", dockerfile, re.MULTILINE).group(1)
    assert re.fullmatch(r"python:3\.11\.\d+-slim-\w+", base)


@pytest.mark.parametrize("name", [*LONG_RUNNING, "migrate"])
def test_every_log_is_rotated(services, name):
    logging = services[name]["logging"]
    assert logging["driver"] == "json-file"
    assert re.fullmatch(r"\$\{LOG_MAX_SIZE:-\d+m\}", logging["options"]["max-size"])
    assert re.fullmatch(r"\$\{LOG_MAX_FILE:-\d+\}", logging["options"]["max-file"])


def test_the_portal_connects_as_the_application_user_and_migrate_as_the_owner(services):
    postgres = services["postgres"]
    assert any(
        v.startswith("./docker/postgres/initdb.sh:/docker-entrypoint-initdb.d/")
        for v in postgres["volumes"]
    )
    assert "./docker/postgres/app-role.sql:/opt/dvc/app-role.sql:ro" in postgres["volumes"]
    assert "/opt/dvc/app-role.sql" in (ROOT / "docker" / "postgres" / "initdb.sh").read_text()
    assert (ROOT / "docker" / "postgres" / "initdb.sh").stat().st_mode & stat.S_IXUSR
    for name in APP_SERVICES:
        url = environment_of(services[name])["DATABASE_URL"]
        assert url.startswith("postgres://${POSTGRES_APP_USER:-dvc_app}:${POSTGRES_APP_PASSWORD:?")
    owner = environment_of(services["migrate"])["DATABASE_URL"]
    assert owner.startswith("postgres://${POSTGRES_USER:-dvc}:${POSTGRES_PASSWORD:?")


def test_every_file_goes_to_the_object_store_by_default(services, compose):
    store = services["objectstore"]
    assert store["image"].startswith("chrislusf/seaweedfs:")
    assert not store["image"].endswith(":latest")
    command = command_of(store)
    assert "-s3 " in command and "-s3.autoCreateBucket=false" in command
    assert any(
        v.endswith(":/data") and v.split(":")[0] in compose["volumes"] for v in store["volumes"]
    )
    (config,) = store["configs"]
    content = compose["configs"][config["source"]]["content"]
    assert "${OBJECT_STORAGE_ACCESS_KEY}" in content and "${OBJECT_STORAGE_SECRET_KEY}" in content
    for name in (*APP_SERVICES, "migrate"):
        environment = environment_of(services[name])
        assert environment["OBJECT_STORAGE_ENDPOINT_URL"].endswith("http://objectstore:8333}")
        assert environment["MEDIA_STORAGE_BUCKET"] and environment["PRIVATE_STORAGE_BUCKET"]
        assert "?" in environment["OBJECT_STORAGE_SECRET_KEY"]  # required, no default secret
        assert services[name]["depends_on"]["objectstore"]["condition"] == "service_healthy"
    # The buckets exist before web, worker and beat start.
    assert "ensure_object_storage" in command_of(services["migrate"])


def test_app_services_share_one_build_and_image(services):
    builds = {repr(services[name].get("build")) for name in (*APP_SERVICES, "migrate")}
    images = {services[name].get("image") for name in (*APP_SERVICES, "migrate")}
    assert builds == {"'.'"}
    assert len(images) == 1
    assert None not in images


def test_web_runs_gunicorn_on_portal_wsgi(services):
    command = command_of(services["web"])
    assert command.startswith("gunicorn ")
    assert "portal.wsgi:application" in command
    assert (ROOT / "docker" / "gunicorn.conf.py").is_file()


def test_web_healthcheck_hits_health_endpoint_without_curl(services):
    test = " ".join(services["web"]["healthcheck"]["test"])
    assert "/api/health/" in test
    assert "curl" not in test
    assert "python" in test


def test_worker_and_beat_run_celery(services):
    assert command_of(services["worker"]).startswith("celery -A portal worker")
    assert command_of(services["beat"]).startswith("celery -A portal beat")


def test_beat_is_a_single_instance_with_a_persistent_schedule(services, compose):
    beat = services["beat"]
    assert beat.get("deploy", {}).get("replicas", 1) == 1
    schedule = re.search(r"--schedule[= ](\S+)", command_of(beat))
    assert schedule, "beat needs --schedule in a volume"
    mounts = [volume.split(":") for volume in beat["volumes"]]
    assert any(
        schedule.group(1).startswith(target + "/") and source in compose["volumes"]
        for source, target, *_ in mounts
    )


def test_migrations_run_before_the_app_starts(services):
    assert "migrate" in command_of(services["migrate"])
    for name in APP_SERVICES:
        depends_on = services[name]["depends_on"]
        assert depends_on["migrate"]["condition"] == "service_completed_successfully"
        assert depends_on["postgres"]["condition"] == "service_healthy"
        assert depends_on["redis"]["condition"] == "service_healthy"


def test_named_volumes_for_database_and_media(services, compose):
    volumes = compose["volumes"]
    postgres_volume = services["postgres"]["volumes"][0].split(":")[0]
    assert postgres_volume in volumes
    for name in (*APP_SERVICES, "migrate"):
        media = [v for v in services[name]["volumes"] if v.split(":")[1] == "/data/media"]
        assert media, f"{name} does not mount the media volume"
        assert media[0].split(":")[0] in volumes
        assert environment_of(services[name])["MEDIA_ROOT"] == "/data/media"
        # Dossier files are private and must survive a redeploy too.
        private = [v for v in services[name]["volumes"] if v.split(":")[1] == "/data/private"]
        assert private and private[0].split(":")[0] in volumes, name
        assert environment_of(services[name])["PRIVATE_MEDIA_ROOT"] == "/data/private"


@pytest.mark.parametrize("name", [*APP_SERVICES, "migrate"])
def test_production_settings_reach_the_app(services, name):
    service = services[name]
    assert ".env" in env_files_of(service)
    environment = environment_of(service)
    assert environment["DJANGO_ENV"] == "production"
    assert environment["DATABASE_URL"].startswith("postgres://")
    assert "@postgres:5432/" in environment["DATABASE_URL"]
    assert environment["REDIS_URL"].startswith("redis://:${REDIS_PASSWORD:?")
    assert environment["REDIS_URL"].endswith("}@redis:6379/0")


def test_web_scales_behind_the_proxy_published_on_loopback_only(services):
    # No fixed host port on web, so `--scale web=N` works; the proxy is the one way in.
    assert "ports" not in services["web"]
    (port,) = services["proxy"]["ports"]
    assert port.startswith("${WEB_BIND:-127.0.0.1}:")
    assert port.endswith(":8000")
    assert services["proxy"]["depends_on"]["web"]["condition"] == "service_healthy"
    caddyfile = (ROOT / "docker" / "Caddyfile").read_text()
    assert any("./docker/Caddyfile:" in volume for volume in services["proxy"]["volumes"])
    assert re.search(r"dynamic a web 8000", caddyfile)  # every replica, found in Docker's DNS
    # The host proxy's X-Forwarded-* headers reach the portal unchanged.
    assert "header_up X-Forwarded-For {http.request.header.X-Forwarded-For}" in caddyfile
    assert "header_up X-Forwarded-Proto {http.request.header.X-Forwarded-Proto}" in caddyfile
    # Uploads up to the portal's own limits pass the proxy.
    assert re.search(r"max_size\s+64MB", caddyfile)


def test_web_and_worker_have_nothing_that_stops_them_scaling(services):
    assert "ports" not in services["worker"]
    assert "container_name" not in services["web"] and "container_name" not in services["worker"]


# --- Dockerfile ------------------------------------------------------------------------------


def test_dockerfile_base_and_weasyprint_system_libraries(dockerfile):
    assert "python:3.11." in dockerfile and "-slim-bookworm" in dockerfile
    for package in (
        "libpango-1.0-0",
        "libpangoft2-1.0-0",
        "libharfbuzz-subset0",
        "fonts-dejavu-core",
        "fonts-liberation2",
        "gettext",
    ):
        assert re.search(rf"^\s+{re.escape(package)}\b", dockerfile, re.MULTILINE), package


def test_dockerfile_installs_pinned_project_and_builds_assets(dockerfile):
    assert "pip install --no-cache-dir -c constraints.txt ." in dockerfile
    assert "manage.py compilemessages" in dockerfile
    assert "manage.py collectstatic --noinput" in dockerfile
    assert re.search(r"^EXPOSE 8000$", dockerfile, re.MULTILINE)
    assert re.search(r'^CMD \["gunicorn".*"portal\.wsgi:application"\]$', dockerfile, re.MULTILINE)


def test_dockerfile_runs_as_non_root(dockerfile):
    users = re.findall(r"^USER (\S+)$", dockerfile, re.MULTILINE)
    assert users
    assert users[-1] not in {"root", "0"}


def test_entrypoint_is_executable_and_can_migrate():
    entrypoint = ROOT / "docker" / "entrypoint.sh"
    assert entrypoint.stat().st_mode & stat.S_IXUSR
    text = entrypoint.read_text()
    assert "RUN_MIGRATIONS" in text
    assert "migrate --noinput" in text
    assert 'exec "$@"' in text


def test_dockerignore_keeps_secrets_and_local_state_out():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".env", ".venv", "var", ".git"} <= ignored


# --- The web healthcheck script --------------------------------------------------------------


def load_healthcheck():
    spec = importlib.util.spec_from_file_location(
        "docker_healthcheck", ROOT / "docker" / "healthcheck.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("allowed_hosts", "expected"),
    [
        ("dichvucong.phuyen.gov.vn,www.example.vn", "dichvucong.phuyen.gov.vn"),
        (".phuyen.gov.vn", "phuyen.gov.vn"),
        ("*, portal.example.vn", "portal.example.vn"),
        ("*", None),
        ("", None),
    ],
)
def test_healthcheck_host_header_comes_from_allowed_hosts(allowed_hosts, expected):
    assert load_healthcheck().host_header(allowed_hosts) == expected


def test_healthcheck_reports_unreachable_server_as_unhealthy(monkeypatch):
    monkeypatch.setitem(os.environ, "ALLOWED_HOSTS", "portal.example.vn")
    # Port 9 (discard) on loopback: nothing listens there.
    assert load_healthcheck().check("http://127.0.0.1:9/api/health/", timeout=2) == 1


def test_healthcheck_sends_allowed_host_and_https_proto(monkeypatch):
    import http.server
    import threading

    seen: dict[str, str | None] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen["host"] = self.headers.get("Host")
            seen["proto"] = self.headers.get("X-Forwarded-Proto")
            self.send_response(200 if self.path == "/api/health/" else 404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setitem(os.environ, "ALLOWED_HOSTS", "portal.example.vn")
        healthcheck = load_healthcheck()
        base = f"http://127.0.0.1:{server.server_port}"
        assert healthcheck.check(f"{base}/api/health/") == 0
        assert healthcheck.check(f"{base}/missing/") == 1
    finally:
        server.shutdown()
        server.server_close()
    assert seen == {"host": "portal.example.vn", "proto": "https"}
