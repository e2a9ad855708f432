"""Two web hosts, one portal: two gunicorn servers that share only PostgreSQL, Redis and the
object store, each with its own working directory and local folders.

A citizen logs in on one and is logged in on the other, uploads a document through one and
downloads it through the other, and the public lookup's rate limit holds across both.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import pytest
from django.conf import settings
from PIL import Image
from playwright.sync_api import expect

from tests import object_store
from tests.conftest import shot
from tests.sites import ROOT

pytestmark = pytest.mark.browser

DEMO_CITIZEN, DEMO_PASSWORD = "054095000123", "DemoDVC@2026"
LOOKUPS_PER_MINUTE = 6


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_serving(url: str, server: subprocess.Popen, log) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            log.seek(0)
            raise AssertionError(f"gunicorn stopped: {log.read()[-3000:]}")
        try:
            urllib.request.urlopen(f"{url}/api/health/", timeout=5)
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not start")


@pytest.fixture
def two_hosts(demo_template, make_site, s3_endpoint, tmp_path):
    site = make_site("hosts", template=demo_template).on_buckets()
    site.manage("ensure_object_storage")
    redis_url = os.environ.get("REDIS_URL") or settings.CACHES["default"].get("LOCATION")
    assert redis_url, "the two hosts share the suite's Redis"
    hosts, servers = [], []
    prefix = f"two-hosts-{uuid.uuid4().hex[:8]}"  # shared by both, fresh for each run
    for name in ("host-a", "host-b"):
        home = tmp_path / name
        (home / "media").mkdir(parents=True)
        (home / "private").mkdir()
        port = _free_port()
        env = site.env(
            REDIS_URL=redis_url,
            CACHE_KEY_PREFIX=prefix,
            MEDIA_ROOT=str(home / "media"),
            PRIVATE_MEDIA_ROOT=str(home / "private"),
            LOOKUP_RATE_LIMIT=str(LOOKUPS_PER_MINUTE),
            ALLOWED_HOSTS="127.0.0.1",
            DEBUG="False",
            PYTHONPATH=str(ROOT),
            WEB_CONCURRENCY="1",
            GUNICORN_BIND=f"127.0.0.1:{port}",
            GUNICORN_PRELOAD="0",
        )
        log = (home / "gunicorn.log").open("w+")
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                str(ROOT / "docker" / "gunicorn.conf.py"),
                "portal.wsgi:application",
            ],
            cwd=home,  # a working directory of its own, outside the code
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        servers.append(server)
        hosts.append({"url": f"http://127.0.0.1:{port}", "home": home, "log": log})
    try:
        for host, server in zip(hosts, servers, strict=True):
            _wait_until_serving(host["url"], server, host["log"])
        yield site, hosts
    finally:
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
        for server in servers:
            server.wait(timeout=30)


def test_a_citizen_moves_between_two_hosts_without_noticing(two_hosts, browser, tmp_path):
    site, (a, b) = two_hosts
    code = site.query(
        "SELECT p.code FROM procedures_procedure p WHERE p.is_published AND p.level = 4 "
        "AND EXISTS (SELECT 1 FROM procedures_requireddocument d WHERE d.procedure_id = p.id) "
        "ORDER BY p.code LIMIT 1"
    )
    assert code
    scan = tmp_path / "to-khai.pdf"
    Image.new("RGB", (300, 420), "white").save(scan, format="PDF")
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        # Log in on host A ...
        page.goto(f"{a['url']}/tai-khoan/dang-nhap/")
        page.locator("input[name='auth-username']").fill(DEMO_CITIZEN)
        page.locator("input[name='auth-password']").fill(DEMO_PASSWORD)
        page.locator("form button[type=submit].btn-primary").click()
        expect(page.locator(".user-name")).to_be_visible()

        # ... and be logged in on host B (the load balancer sends the next request there).
        page.goto(f"{b['url']}/ho-so-cua-toi/")
        expect(page.locator(".user-name")).to_be_visible()

        # Upload through A.
        page.goto(f"{a['url']}/nop-ho-so/{code}/")
        expect(page).to_have_url(re.compile(r"/ho-so-cua-toi/\d+/soan/$"))
        for upload in page.locator("input[type=file][id^=id_document_]").all():
            upload.set_input_files(scan)
        online = page.locator("input[name=return_method][value=online]")
        if online.count():
            online.check()
        page.locator("#id_declaration").check()
        page.locator("#submit-dossier").click()
        expect(page).to_have_url(re.compile(r"/ho-so-cua-toi/\d+/da-nop/$"))
        dossier_pk = re.search(r"/ho-so-cua-toi/(\d+)/", page.url).group(1)

        # Download through B: the same bytes, from the bucket.
        page.goto(f"{b['url']}/ho-so-cua-toi/{dossier_pk}/")
        links = page.locator("#dossier-files a[href*='/tep/']")
        expect(links.first).to_be_visible()
        shot(page, "two-hosts-dossier-on-b")
        href = links.first.get_attribute("href")
        response = page.request.get(f"{b['url']}{href}")
        assert response.status == 200
        assert response.body() == scan.read_bytes()
    finally:
        context.close()

    # Neither host kept the file on its own disk; it is in the private bucket.
    for host in (a, b):
        assert not any(path.is_file() for path in (host["home"] / "private").rglob("*"))
    client = object_store.s3_client()
    assert object_store.keys(client, site.buckets["PRIVATE_STORAGE_BUCKET"])


def test_the_lookup_rate_limit_holds_across_both_hosts(two_hosts):
    _site, (a, b) = two_hosts
    answers = []
    for turn in range(3 * LOOKUPS_PER_MINUTE):
        host = (a, b)[turn % 2]
        try:
            with urllib.request.urlopen(f"{host['url']}/tra-cuu/?ma=000.00.01.H45-260101-0001"):
                answers.append(200)
        except urllib.error.HTTPError as error:
            answers.append(error.code)
    allowed = answers.count(200)
    # One address gets at most the limit in a minute, whichever host answers (counts reserved
    # in blocks may make it a little stricter, never looser).
    assert LOOKUPS_PER_MINUTE // 2 <= allowed <= LOOKUPS_PER_MINUTE, answers
    assert set(answers) == {200, 429}, answers
    assert 429 in answers[: 2 * LOOKUPS_PER_MINUTE]
