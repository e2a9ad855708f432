"""A Redis that asks for a password (docs/production.md §2c), on a real redis-server.

The portal reads the password from REDIS_URL (`redis://:<password>@host:port/db`): the cache,
Celery's broker and the beat lock all connect with it. A server of its own is started for
the test (the shared one has no password), with the memory cap and eviction policy of
docker-compose.yml.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def protected_redis(tmp_path_factory):
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is needed (scripts/test-services.sh installs it)")
    port, password = free_port(), secrets.token_hex(16)
    folder = tmp_path_factory.mktemp("redis")
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--requirepass", password,
         "--maxmemory", "16mb", "--maxmemory-policy", "noeviction", "--save", "",
         "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    client = redis.Redis(host="127.0.0.1", port=port, password=password)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                server.kill()
                raise
            time.sleep(0.1)
    yield {"port": port, "password": password, "client": client}
    server.terminate()
    server.wait(timeout=10)


CHECK = """
from django.core.cache import cache
from portal.celery import app

cache.set("password-check", "written", 60)
with app.connection_for_write() as connection:
    connection.ensure_connection(max_retries=1)
    print("broker", connection.connected)
print("cache", cache.get("password-check"))
"""


def run_portal(redis_url: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST_")) and key != "REDIS_URL"
    }
    env |= {"REDIS_URL": redis_url, "DJANGO_SETTINGS_MODULE": "portal.settings"}
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", CHECK],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_portal_signs_in_to_redis_with_the_password_of_redis_url(protected_redis):
    url = f"redis://:{protected_redis['password']}@127.0.0.1:{protected_redis['port']}/3"
    result = run_portal(url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broker True" in result.stdout
    assert "cache written" in result.stdout
    client = redis.Redis(
        host="127.0.0.1", port=protected_redis["port"], password=protected_redis["password"], db=3
    )
    assert any(b"password-check" in key for key in client.keys("*"))  # in Redis, not in memory
    assert client.config_get("maxmemory-policy") == {"maxmemory-policy": "noeviction"}


def test_without_the_password_nothing_reaches_redis(protected_redis):
    url = f"redis://127.0.0.1:{protected_redis['port']}/4"
    result = run_portal(url)
    # The broker refuses the connection; the cache falls back to the process's memory.
    assert "broker True" not in result.stdout
    assert "NOAUTH" in result.stdout + result.stderr or "Authentication" in result.stderr
    client = redis.Redis(
        host="127.0.0.1", port=protected_redis["port"], password=protected_redis["password"], db=4
    )
    assert client.keys("*") == []
