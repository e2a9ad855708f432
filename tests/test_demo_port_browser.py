"""`make run PORT=…`: the demo on another port keeps every link on that port.

The real command on a fresh SQLite database in a temporary folder (no Redis: the filesystem
broker and the embedded beat, as on a new machine). The citizen opens a receipt whose QR code
and printed address lead back to this port, the e-mails printed while seeding link to it, and
the sandbox gateway's payment check (querydr) reaches this server, so the seeded pending
payment settles. Screenshots: the home page, the dossier page and the receipt.
"""

import io
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pypdfium2
import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.conftest import ARTIFACTS, shot

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.browser]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, log: Path, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"make run stopped:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(1)
    raise AssertionError(f"the demo did not answer on {url}:\n{log.read_text()[-4000:]}")


@pytest.fixture
def demo(tmp_path):
    if shutil.which("make") is None:
        pytest.fail("make is needed to run the demo")
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "PORTAL_BASE_URL", "CELERY_BROKER_URL", "HOST")
        and not key.startswith("PYTEST")
    }
    env |= {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "PRIVATE_MEDIA_ROOT": str(tmp_path / "private"),
        "RUN_VAR_DIR": str(tmp_path / "var"),
        "SMS_FILE_PATH": str(tmp_path / "sms.log"),
        "PYTHONUNBUFFERED": "1",
    }
    log = tmp_path / "make-run.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            ["make", "-s", "run", f"PORT={port}"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: runserver, its reloader, the worker
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/", process, log)
        yield {"base": base, "port": port, "env": env | {"PORT": str(port)}, "log": log}
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def manage(demo, code: str) -> str:
    """Run Python in a manage.py shell of the demo, with the environment `make run` gives."""
    run = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=demo["env"] | {"HOST": "127.0.0.1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return run.stdout + run.stderr


def test_make_run_on_another_port_keeps_links_on_that_port(demo, browser):
    base = demo["base"]
    context = browser.new_context(
        base_url=base, locale="vi-VN", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto("/")
    shot(page, "demo-port-01-home")

    # The demo citizen logs in and opens the accepted dossier with its receipt.
    page.goto("/tai-khoan/dang-nhap/?next=/ho-so-cua-toi/")
    page.locator("#id_auth-username").fill("054095000123")
    page.locator("#id_auth-password").fill("DemoDVC@2026")
    page.locator("#id_auth-password").press("Enter")
    expect(page).to_have_url(re.compile(r"/ho-so-cua-toi/$"))
    links = page.locator("a[href^='/ho-so-cua-toi/']").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))"
    )
    receipt_url = None
    for href in dict.fromkeys(links):
        if not re.fullmatch(r"/ho-so-cua-toi/\d+/", href):
            continue
        page.goto(href)
        notices = page.locator("#notices a.download-link")
        if notices.count():
            receipt_url = notices.first.get_attribute("href")
            break
    assert receipt_url, "no demo dossier with a receipt"
    shot(page, "demo-port-02-dossier")
    response = context.request.get(receipt_url)
    assert response.ok
    pdf = response.body()
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    ARTIFACTS.mkdir(exist_ok=True)
    document = pypdfium2.PdfDocument(io.BytesIO(pdf))
    for number in range(len(document)):  # the QR code sits at the foot of the last page
        document[number].render(scale=1.5).to_pil().save(
            ARTIFACTS / f"demo-port-03-receipt-page{number + 1}.png"
        )
    # The printed address under the QR code (the QR encodes the same address).
    assert f"{base}/tra-cuu/?ma=" in text, text[:1500]
    assert "127.0.0.1:8000" not in text

    # The lookup address of the receipt opens on this server.
    lookup = re.search(rf"{re.escape(base)}/tra-cuu/\?ma=[0-9A-Z.\-]+", text).group(0)
    page.goto(lookup)
    expect(page.locator("main")).to_contain_text(lookup.rsplit("=", 1)[1])
    shot(page, "demo-port-04-lookup")
    context.close()

    # E-mails sent while seeding (the console backend prints them) link to this port.
    output = demo["log"].read_text()
    assert f"{base}/tra-cuu/?ma=" in output
    assert "127.0.0.1:8000" not in output

    # The sandbox gateway's payment check reaches this server: once the seeded pending
    # payment's link has expired, the check settles it instead of failing.
    answer = manage(
        demo,
        "from datetime import timedelta\n"
        "from django.conf import settings\n"
        "from django.utils import timezone\n"
        "from payments.models import Payment\n"
        "from payments.services import payment_reconcile\n"
        "print('API', settings.VNPAY_API_URL)\n"
        "payment = Payment.objects.get(state='pending', method='online')\n"
        "Payment.objects.filter(pk=payment.pk).update("
        "expires_at=timezone.now() - timedelta(minutes=1))\n"
        "payment_reconcile(payment_id=payment.pk)\n"
        "payment.refresh_from_db()\n"
        "print('STATE', payment.state)\n",
    )
    assert f"API {base}/thanh-toan-thu-nghiem/" in answer
    assert "querydr failed" not in answer, answer
    assert re.search(r"^STATE (?!pending)", answer, re.MULTILINE), answer
