"""Error reports reach the tracker without personal data (a local server speaking Sentry's
envelope protocol receives what the real SDK sends)."""

import gzip
import json
import subprocess
import sys
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from portal import error_reports
from portal.tests.test_settings import outer_environment

ROOT = Path(__file__).resolve().parents[2]
CCCD, PHONE, EMAIL = "054095000123", "0905000123", "nguyen.van.an@example.com"


@pytest.fixture
def sentry_server():
    received: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            encoding = self.headers.get("Content-Encoding", "")
            if encoding == "gzip":
                body = gzip.decompress(body)
            elif encoding == "deflate":
                body = zlib.decompress(body)
            elif encoding == "br":
                import brotli

                body = brotli.decompress(body)
            received.append(body)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://public-key@127.0.0.1:{server.server_port}/1", received
    server.shutdown()


FAILING = f"""
import django, logging, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
django.setup()
import sentry_sdk

def check_applicant(national_id, phone, email):
    applicant_note = "Công dân {CCCD}, điện thoại {PHONE}, thư {EMAIL}"
    raise ValueError(f"CCCD {{national_id}} không khớp với {{email}} / {{phone}}")

try:
    check_applicant("{CCCD}", "{PHONE}", "{EMAIL}")
except ValueError:
    logging.getLogger("dossiers").exception("Submission of %s failed", "{CCCD}")
sentry_sdk.capture_message("Lookup by {PHONE} and {EMAIL}")
sentry_sdk.flush(timeout=10)
print("sent")
"""


def test_reports_arrive_without_cccd_phone_or_email(sentry_server):
    dsn, received = sentry_server
    result = subprocess.run(
        [sys.executable, "-c", FAILING],
        cwd=ROOT,
        env={**outer_environment(), "SENTRY_DSN": dsn, "REDIS_URL": ""},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "sent" in result.stdout
    payload = b"\n".join(received).decode()
    events = [json.loads(line) for line in payload.splitlines() if line.startswith("{")]
    assert any(
        value.get("type") == "ValueError"
        for event in events
        for value in (event.get("exception") or {}).get("values", [])
    ), payload[:3000]
    assert "Lookup by" in payload  # the message itself arrived
    for personal in (CCCD, PHONE, EMAIL, "nguyen.van.an"):
        assert personal not in payload, personal


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Hồ sơ 000.00.01.H45-261124-0007 đã tiếp nhận", "000.00.01.H45-261124-0007"),
        ("status 503 after 12 s", "503"),
        ("amount 1500000 VND", "1500000"),
    ],
)
def test_dossier_codes_and_ordinary_numbers_stay_readable(text, kept):
    assert kept in error_reports.scrub_text(text)


@pytest.mark.parametrize(
    "personal",
    ["054095000123", "0905000123", "+84905000123", "0905 000 123", "a.b+c@mail.gov.vn"],
)
def test_personal_values_are_filtered(personal):
    assert personal not in error_reports.scrub_text(f"xem {personal} nhé")


def test_request_cookies_headers_and_user_are_dropped():
    event = {
        "user": {"id": 5, "email": EMAIL},
        "request": {
            "cookies": {"sessionid": "abc"},
            "data": {"applicant_address": "12 Lê Duẩn"},
            "headers": {"Cookie": "sessionid=abc", "Authorization": "Bearer x", "Accept": "*/*"},
            "query_string": f"ma={CCCD}",
        },
        "extra": {"phone": "không rõ", "attempt": 2},
    }
    scrubbed = error_reports.before_send(event)
    assert "user" not in scrubbed
    assert scrubbed["request"]["headers"] == {"Accept": "*/*"}
    assert "cookies" not in scrubbed["request"] and "data" not in scrubbed["request"]
    assert CCCD not in scrubbed["request"]["query_string"]
    assert scrubbed["extra"] == {"phone": error_reports.FILTERED, "attempt": 2}
