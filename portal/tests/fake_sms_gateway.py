"""A scriptable SMS gateway on loopback, for testing the HTTP backend against a real socket.

with FakeSmsGateway(responses=[503, 503, 503]) as gateway:   # then 200 for ever
    settings.SMS_GATEWAY_URL = gateway.url
    ...
    assert len(gateway.deliveries) == 1
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    status: int


@dataclass
class FakeSmsGateway:
    # Status codes answered in turn; after the list runs out every request gets 200.
    responses: list[int] = field(default_factory=list)
    delay: float = 0.0
    requests: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._count = 0
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if gateway.delay:
                    time.sleep(gateway.delay)
                with gateway._lock:
                    status = gateway.responses.pop(0) if gateway.responses else 200
                    gateway._count += 1
                    message_id = f"msg-{gateway._count}"
                    gateway.requests.append(
                        Received(
                            path=self.path,
                            headers=dict(self.headers.items()),
                            body=json.loads(raw or b"{}"),
                            status=status,
                        )
                    )
                payload = (
                    {"id": message_id, "status": "queued"}
                    if status < 300
                    else {"error": f"scripted {status}"}
                )
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
        return f"http://{host!s}:{port}/api/sms"

    @property
    def deliveries(self) -> list[Received]:
        """Requests the gateway accepted (2xx): the messages a phone would receive."""
        with self._lock:
            return [r for r in self.requests if 200 <= r.status < 300]

    def __enter__(self) -> FakeSmsGateway:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
