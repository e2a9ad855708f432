"""A local RFC 3161 timestamp server for the tests: HTTP in a thread, real TimeStampReq/Resp.

The tokens are made by pyHanko's own responder (DummyTimeStamper) with a timestamping
certificate issued by the demo root, so the portal's code talks to it exactly as to a real
TSA (``SIGNING_TSA_URL``), over HTTP with ``application/timestamp-query``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

from signing import ca


class TimestampServer:
    def __init__(self, keys_dir: Path) -> None:
        cert, key = ca.issue_timestamping_certificate(
            keys_dir, name="Máy chủ cấp dấu thời gian thử nghiệm", province="Phú Yên"
        )
        root_cert, _root_key = ca.root_ca(keys_dir, province="Phú Yên")
        der = serialization.Encoding.DER
        self.cert = asn1_x509.Certificate.load(cert.public_bytes(der))
        self.responder = DummyTimeStamper(
            tsa_cert=self.cert,
            tsa_key=asn1_keys.PrivateKeyInfo.load(
                key.private_bytes(
                    der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                )
            ),
            certs_to_embed=[asn1_x509.Certificate.load(root_cert.public_bytes(der))],
        )
        self.requests = 0


@contextmanager
def timestamp_server(keys_dir: Path) -> Iterator[tuple[str, TimestampServer]]:
    """``(url, server)`` of a TSA answering on 127.0.0.1 while the block runs."""
    state = TimestampServer(keys_dir)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.headers.get("Content-Type") != "application/timestamp-query":
                self.send_error(415)
                return
            try:
                request = tsp.TimeStampReq.load(body)
                answer = state.responder.request_tsa_response(request).dump()
            except Exception:
                self.send_error(400)
                return
            state.requests += 1
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/tsa", state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
