"""The client's address behind TRUSTED_PROXIES (portal/client_address.py), and gunicorn's log."""

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.test import RequestFactory

from portal.client_address import address_from, client_address, parse_trusted_proxies
from portal.tests.test_settings import ROOT, outer_environment, python_settings

PROXIES = parse_trusted_proxies(["10.0.0.0/8", "2001:db8:1::/48"])


@pytest.mark.parametrize(
    ("remote", "forwarded", "client"),
    [
        # Straight from the client: X-Forwarded-For is whatever it wants it to be.
        ("203.0.113.5", "", "203.0.113.5"),
        ("203.0.113.5", "198.51.100.1", "203.0.113.5"),
        # Through one proxy, which appends the address it got the request from.
        ("10.0.0.2", "203.0.113.5", "203.0.113.5"),
        ("10.0.0.2", " 203.0.113.5 ", "203.0.113.5"),
        # What the client wrote itself stays on the left, never taken.
        ("10.0.0.2", "198.51.100.1, 203.0.113.5", "203.0.113.5"),
        ("10.0.0.2", "1.1.1.1, 10.9.9.9, 203.0.113.5", "203.0.113.5"),
        # Through two proxies.
        ("10.0.0.2", "203.0.113.5, 10.0.0.3", "203.0.113.5"),
        # IPv6, with brackets and ports, and IPv4 written as IPv6.
        ("2001:db8:1::2", "2001:db8:9::7", "2001:db8:9::7"),
        ("10.0.0.2", "[2001:db8:9::7]:51000", "2001:db8:9::7"),
        ("10.0.0.2", "203.0.113.5:51000", "203.0.113.5"),
        ("10.0.0.2", "::ffff:203.0.113.5", "203.0.113.5"),
        # The proxy sent nothing usable: the proxy is the client as far as we know.
        ("10.0.0.2", "", "10.0.0.2"),
        ("10.0.0.2", "unknown", "10.0.0.2"),
        ("10.0.0.2", "203.0.113.5, unknown", "10.0.0.2"),
        ("10.0.0.2", "10.0.0.3", "10.0.0.3"),
    ],
)
def test_the_client_is_the_first_address_that_is_not_a_trusted_proxy(remote, forwarded, client):
    meta = {"REMOTE_ADDR": remote, "HTTP_X_FORWARDED_FOR": forwarded}
    assert address_from(meta, PROXIES) == client


def test_without_trusted_proxies_x_forwarded_for_is_never_read(settings):
    settings.TRUSTED_PROXIES = []
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_address(request) == "127.0.0.1"
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    assert client_address(request) == "1.2.3.4"


def test_trusted_proxies_must_be_addresses_or_networks():
    assert python_settings(
        "settings.TRUSTED_PROXIES", {"TRUSTED_PROXIES": "10.0.0.1,fd00::/8"}
    ) == ("['10.0.0.1', 'fd00::/8']")
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={
            **outer_environment(),
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "TRUSTED_PROXIES": "10.0.0.1,proxy.internal",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "TRUSTED_PROXIES: 'proxy.internal' is not an IP address or network." in result.stderr


def test_proxy_count_is_refused_with_what_to_set_instead():
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={
            **outer_environment(),
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "PROXY_COUNT": "1",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "TRUSTED_PROXIES" in result.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_access_log_shows_the_client_behind_the_proxy(tmp_path: Path):
    """The production gunicorn settings, on loopback: the log names the client, not the proxy."""
    port = _free_port()
    access_log = tmp_path / "access.log"
    env = {
        **outer_environment(),
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_ACCESS_LOG": str(access_log),
        "TRUSTED_PROXIES": "127.0.0.1",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            str(ROOT / "docker" / "gunicorn.conf.py"),
            "portal.wsgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError as error:
                if process.poll() is not None or time.monotonic() > deadline:
                    log = process.stderr.read().decode() if process.stderr else ""
                    raise AssertionError(f"gunicorn did not start:\n{log}") from error
                time.sleep(0.2)
        url = f"http://127.0.0.1:{port}/static/does-not-exist.css"
        for forwarded in ("203.0.113.9", "198.51.100.1, 203.0.113.10", None):
            request = urllib.request.Request(url)
            if forwarded:
                request.add_header("X-Forwarded-For", forwarded)
            # Whatever the page answers, the request is logged.
            with contextlib.suppress(urllib.error.HTTPError):
                urllib.request.urlopen(request, timeout=30).close()
        deadline = time.monotonic() + 10
        while len(access_log.read_text().splitlines()) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=30)
    addresses = [line.split(" ", 1)[0] for line in access_log.read_text().splitlines()]
    # The proxy's own requests (no header) are logged under its address.
    assert addresses == ["203.0.113.9", "203.0.113.10", "127.0.0.1"]
