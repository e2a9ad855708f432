"""A VNPay merchant API on loopback (querydr and refund), written from the protocol text alone.

It signs and checks with its own code (not the adapter's), so a signing mistake in the adapter
shows up as a refused request.

with FakeVNPay(secret=..., tmn_code=...) as fake:
    fake.book["T1"] = {"amount": 5000000, "status": "00", "response": "00", ...}
    settings.VNPAY_API_URL = fake.url
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlencode

QUERY_IN = (
    "vnp_RequestId|vnp_Version|vnp_Command|vnp_TmnCode|vnp_TxnRef|"
    "vnp_TransactionDate|vnp_CreateDate|vnp_IpAddr|vnp_OrderInfo"
)
QUERY_OUT = (
    "vnp_ResponseId|vnp_Command|vnp_ResponseCode|vnp_Message|vnp_TmnCode|"
    "vnp_TxnRef|vnp_Amount|vnp_BankCode|vnp_PayDate|vnp_TransactionNo|"
    "vnp_TransactionType|vnp_TransactionStatus|vnp_OrderInfo|"
    "vnp_PromotionCode|vnp_PromotionAmount"
)
REFUND_IN = (
    "vnp_RequestId|vnp_Version|vnp_Command|vnp_TmnCode|vnp_TransactionType|"
    "vnp_TxnRef|vnp_Amount|vnp_TransactionNo|vnp_TransactionDate|"
    "vnp_CreateBy|vnp_CreateDate|vnp_IpAddr|vnp_OrderInfo"
)
REFUND_OUT = (
    "vnp_ResponseId|vnp_Command|vnp_ResponseCode|vnp_Message|vnp_TmnCode|"
    "vnp_TxnRef|vnp_Amount|vnp_BankCode|vnp_PayDate|vnp_TransactionNo|"
    "vnp_TransactionType|vnp_TransactionStatus|vnp_OrderInfo"
)


def checksum(secret: str, values: dict[str, Any], order: str) -> str:
    data = "|".join(str(values.get(name, "")) for name in order.split("|"))
    return hmac.new(secret.encode(), data.encode(), hashlib.sha512).hexdigest()


def sign_query_string(secret: str, params: dict[str, str]) -> dict[str, str]:
    """IPN/return parameters signed as the gateway signs them (sorted, form-encoded)."""
    data = urlencode(sorted((k, v) for k, v in params.items() if v != ""))
    digest = hmac.new(secret.encode(), data.encode(), hashlib.sha512).hexdigest()
    return {**params, "vnp_SecureHash": digest}


@dataclass
class FakeVNPay:
    secret: str
    tmn_code: str
    book: dict[str, dict[str, str]] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    tamper: bool = False  # answer with a wrong checksum
    delay: float = 0  # seconds before answering (a slow gateway)

    def __enter__(self) -> FakeVNPay:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                fake.requests.append(body)
                time.sleep(fake.delay)
                answer = fake.answer(body)
                raw = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/merchant_webapi/api/transaction"

    def answer(self, body: dict[str, str]) -> dict[str, str]:
        command = body.get("vnp_Command")
        order_in = QUERY_IN if command == "querydr" else REFUND_IN
        if body.get("vnp_SecureHash") != checksum(self.secret, body, order_in):
            return {"vnp_ResponseCode": "97", "vnp_Message": "Invalid checksum"}
        if body.get("vnp_TmnCode") != self.tmn_code:
            return {"vnp_ResponseCode": "02", "vnp_Message": "Merchant invalid"}
        entry = self.book.get(body.get("vnp_TxnRef", ""))
        if entry is None:
            return {
                "vnp_ResponseId": "r1",
                "vnp_Command": command,
                "vnp_ResponseCode": "91",
                "vnp_Message": "Not found",
            }
        out = {
            "vnp_ResponseId": "r1",
            "vnp_Command": command,
            "vnp_ResponseCode": "00",
            "vnp_Message": "OK",
            "vnp_TmnCode": self.tmn_code,
            "vnp_TxnRef": body["vnp_TxnRef"],
            "vnp_Amount": entry["amount"],
            "vnp_BankCode": "NCB",
            "vnp_PayDate": entry.get("pay_date", "20261124093000"),
            "vnp_TransactionNo": entry.get("transaction_no", "14123456"),
            "vnp_TransactionType": "01" if command == "querydr" else "02",
            "vnp_TransactionStatus": entry["status"],
            "vnp_OrderInfo": body.get("vnp_OrderInfo", ""),
        }
        if command == "querydr":
            out["vnp_PromotionCode"] = ""
            out["vnp_PromotionAmount"] = ""
            out["vnp_ResponseCode"] = "00"
            order_out = QUERY_OUT
        else:
            if entry["status"] != "00":
                out["vnp_ResponseCode"] = "02"
            else:
                entry["status"] = "05"
            order_out = REFUND_OUT
        out["vnp_SecureHash"] = checksum(self.secret, out, order_out)
        if self.tamper:
            out["vnp_SecureHash"] = "0" * 128
        return out
