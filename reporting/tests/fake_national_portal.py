"""A national-portal receiver on loopback that checks signatures like the real one would.

with FakeNationalPortal(secret="s3cret", responses=[503, 503]) as portal:  # then 200
    settings.NATIONAL_SYNC_URL = portal.url
    ...
    assert portal.dossiers["000.00.01.H45-261124-0001"]["status"] == 4
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class FakeNationalPortal:
    secret: str
    client_id: str = "dvc-phu-yen"
    # Status codes answered in turn to batch POSTs; then 200 (or 401 on a bad signature).
    responses: list[int] = field(default_factory=list)
    # Every accepted record in arrival order, and the latest per dossier code.
    received: list[dict[str, Any]] = field(default_factory=list)
    dossiers: dict[str, dict[str, Any]] = field(default_factory=dict)
    rejected_signatures: int = 0
    requests: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        portal = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                expected = (
                    "sha256=" + hmac.new(portal.secret.encode(), raw, hashlib.sha256).hexdigest()
                )
                signature = self.headers.get("X-DVC-Signature", "")
                with portal._lock:
                    portal.requests += 1
                    if self.headers.get("X-DVC-Client") != portal.client_id or not (
                        hmac.compare_digest(signature, expected)
                    ):
                        portal.rejected_signatures += 1
                        return self._answer(401, {"error": "bad signature"})
                    body = json.loads(raw)
                    if self.path.endswith("/reconcile"):
                        return self._answer(200, {"dossiers": len(portal.dossiers)})
                    if portal.responses:
                        status = portal.responses.pop(0)
                        if status >= 300:
                            return self._answer(status, {"error": f"scripted {status}"})
                    accepted = []
                    for record in body["records"]:
                        known = portal.dossiers.get(record["code"])
                        # Idempotent by (code, version): a repeat is acknowledged, not stored.
                        if known is None or known["version"] != record["version"]:
                            portal.received.append(record)
                            portal.dossiers[record["code"]] = record
                        accepted.append(record["code"])
                    return self._answer(200, {"accepted": accepted})

            def _answer(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/api/dvcqg/dossiers"

    def codes_received(self) -> list[str]:
        return [record["code"] for record in self.received]

    def __enter__(self) -> FakeNationalPortal:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
