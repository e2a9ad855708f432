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
    duplicate: bool = False  # a repeat of a reference already taken (not sent again)


@dataclass
class FakeSmsGateway:
    # Status codes answered in turn; after the list runs out every request gets 200.
    responses: list[int] = field(default_factory=list)
    # Seconds between taking a message (it goes out to the phone) and answering.
    delay: float = 0.0
    # Like gateways with a client reference: a second request with a "reference" already
    # taken is answered with the first one's id and not delivered again.
    deduplicate: bool = False
    requests: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._count = 0
        self._taken: dict[str, str] = {}  # reference → message id
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                body = json.loads(raw or b"{}")
                reference = str(body.get("reference") or "")
                with gateway._lock:
                    duplicate = gateway.deduplicate and reference in gateway._taken
                    if duplicate:
                        status, message_id = 200, gateway._taken[reference]
                    else:
                        status = gateway.responses.pop(0) if gateway.responses else 200
                        gateway._count += 1
                        message_id = f"msg-{gateway._count}"
                        if status < 300 and reference:
                            gateway._taken[reference] = message_id
                    gateway.requests.append(
                        Received(
                            path=self.path,
                            headers=dict(self.headers.items()),
                            body=body,
                            status=status,
                            duplicate=duplicate,
                        )
                    )
                if gateway.delay:
                    time.sleep(gateway.delay)
                payload = (
                    {"id": message_id, "status": "duplicate" if duplicate else "queued"}
                    if status < 300
                    else {"error": f"scripted {status}"}
                )
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client stopped waiting: the message went out all the same

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
        """Requests the gateway accepted (2xx) and sent: the messages a phone would receive."""
        with self._lock:
            return [r for r in self.requests if 200 <= r.status < 300 and not r.duplicate]

    def __enter__(self) -> FakeSmsGateway:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
