"""Payment gateway adapters. The interface is `Gateway`; the first adapter speaks VNPay 2.1.0.

Protocol facts (shared/VNPAY.md): the pay request is a signed redirect (HMAC-SHA512 over the
sorted, form-encoded `vnp_*` parameters; amount × 100; dates `yyyyMMddHHmmss` in GMT+7); the
gateway calls our IPN server to server; querydr and refund are signed JSON POSTs to the merchant
API. The built-in sandbox (`sandbox.py`) plays the bank's side of this very protocol, so the
same adapter code runs against it, a loopback fake in tests, and the real gateway.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import unicodedata
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Protocol
from urllib.parse import urlencode

from django.conf import settings

logger = logging.getLogger(__name__)

GMT7 = timezone(timedelta(hours=7))
DATE_FORMAT = "%Y%m%d%H%M%S"
VERSION = "2.1.0"
# vnp_ResponseCode 24: the customer cancelled at the gateway.
CANCELLED_BY_CUSTOMER = "24"
# vnp_ResponseCode 07 / vnp_TransactionStatus 07: debited, but flagged as suspicious.
SUSPICIOUS = "07"

QUERY_REQUEST_FIELDS = (
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_TransactionDate",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
)
QUERY_RESPONSE_FIELDS = (
    "vnp_ResponseId",
    "vnp_Command",
    "vnp_ResponseCode",
    "vnp_Message",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_PayDate",
    "vnp_TransactionNo",
    "vnp_TransactionType",
    "vnp_TransactionStatus",
    "vnp_OrderInfo",
    "vnp_PromotionCode",
    "vnp_PromotionAmount",
)
REFUND_REQUEST_FIELDS = (
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TransactionType",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_TransactionNo",
    "vnp_TransactionDate",
    "vnp_CreateBy",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
)
REFUND_RESPONSE_FIELDS = (
    "vnp_ResponseId",
    "vnp_Command",
    "vnp_ResponseCode",
    "vnp_Message",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_PayDate",
    "vnp_TransactionNo",
    "vnp_TransactionType",
    "vnp_TransactionStatus",
    "vnp_OrderInfo",
)


class GatewayError(Exception):
    """The gateway could not be reached or answered something we cannot trust."""


@dataclass(frozen=True)
class PayRequest:
    txn_ref: str
    amount: int  # VND
    order_info: str
    return_url: str
    client_ip: str
    created_at: datetime
    expires_at: datetime
    locale: str = "vn"


@dataclass(frozen=True)
class Outcome:
    """What the gateway says about one transaction (IPN, return URL or querydr)."""

    txn_ref: str
    amount: int  # VND
    response_code: str
    transaction_status: str
    transaction_no: str = ""
    bank_code: str = ""
    pay_date: str = ""
    data: dict[str, str] = field(default_factory=dict)

    @property
    def is_paid(self) -> bool:
        # Only both codes "00" mean the money was taken (VNPAY.md, IPN step 5).
        return self.response_code == "00" and self.transaction_status == "00"

    @property
    def is_under_review(self) -> bool:
        """The money was debited but the bank holds the transaction as suspicious (07)."""
        return not self.is_paid and SUSPICIOUS in (self.response_code, self.transaction_status)


@dataclass(frozen=True)
class QueryResult:
    found: bool
    outcome: Outcome | None
    response_code: str


@dataclass(frozen=True)
class RefundResult:
    ok: bool
    response_code: str
    message: str
    transaction_no: str = ""


class Gateway(Protocol):
    name: str

    def pay_url(self, request: PayRequest) -> str: ...

    def verify(self, params: dict[str, str]) -> bool: ...

    def outcome(self, params: dict[str, str]) -> Outcome: ...

    def query(
        self, *, txn_ref: str, order_info: str, transaction_date: datetime, client_ip: str
    ) -> QueryResult: ...

    def refund(
        self,
        *,
        txn_ref: str,
        amount: int,
        transaction_no: str,
        transaction_date: datetime,
        created_by: str,
        order_info: str,
        client_ip: str,
    ) -> RefundResult: ...


# --- Signing ---------------------------------------------------------------------------------


def gmt7(moment: datetime) -> str:
    return moment.astimezone(GMT7).strftime(DATE_FORMAT)


def parse_gmt7(value: str) -> datetime | None:
    try:
        return datetime.strptime(value, DATE_FORMAT).replace(tzinfo=GMT7)
    except (TypeError, ValueError):
        return None


def hmac_sha512(secret: str, data: str) -> str:
    return hmac.new(secret.encode(), data.encode("utf-8"), hashlib.sha512).hexdigest()


def signing_data(params: dict[str, str]) -> str:
    """The sorted, form-encoded `vnp_*` parameters without the hash and empty values."""
    pairs = sorted(
        (key, str(value))
        for key, value in params.items()
        if key.startswith("vnp_")
        and key not in ("vnp_SecureHash", "vnp_SecureHashType")
        and value not in ("", None)
    )
    return urlencode(pairs)


def sign_params(secret: str, params: dict[str, str]) -> str:
    return hmac_sha512(secret, signing_data(params))


def sign_fields(secret: str, values: dict[str, Any], fields: tuple[str, ...]) -> str:
    """querydr/refund checksums: the listed fields joined with "|"."""
    return hmac_sha512(secret, "|".join(str(values.get(name, "")) for name in fields))


def signature_ok(expected: str, given: str) -> bool:
    """Constant-time comparison; anything but a hex digest (emoji, "²", "é") is simply wrong."""
    given = given or ""
    if not given.isascii():
        return False
    return hmac.compare_digest(expected.lower().encode(), given.lower().encode())


def plain_text(text: str, limit: int = 255) -> str:
    """vnp_OrderInfo: Vietnamese without diacritics, no special characters."""
    text = text.replace("đ", "d").replace("Đ", "D")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = "".join(c if c.isalnum() or c in " .-" else " " for c in text)
    return " ".join(text.encode("ascii", "ignore").decode().split())[:limit]


# --- The VNPay adapter ----------------------------------------------------------------------


class VNPayGateway:
    name = "vnpay"

    def __init__(
        self,
        *,
        tmn_code: str,
        hash_secret: str,
        pay_url: str,
        api_url: str,
        timeout: float = 15,
    ) -> None:
        self.tmn_code, self.hash_secret = tmn_code, hash_secret
        self.pay_url_base, self.api_url, self.timeout = pay_url, api_url, timeout

    def pay_url(self, request: PayRequest) -> str:
        params = {
            "vnp_Version": VERSION,
            "vnp_Command": "pay",
            "vnp_TmnCode": self.tmn_code,
            "vnp_Amount": str(request.amount * 100),
            "vnp_CurrCode": "VND",
            "vnp_TxnRef": request.txn_ref,
            "vnp_OrderInfo": plain_text(request.order_info),
            "vnp_OrderType": "other",
            "vnp_Locale": request.locale,
            "vnp_ReturnUrl": request.return_url,
            "vnp_IpAddr": request.client_ip,
            "vnp_CreateDate": gmt7(request.created_at),
            "vnp_ExpireDate": gmt7(request.expires_at),
        }
        query = signing_data(params)
        return f"{self.pay_url_base}?{query}&vnp_SecureHash={hmac_sha512(self.hash_secret, query)}"

    def verify(self, params: dict[str, str]) -> bool:
        given = params.get("vnp_SecureHash", "")
        if not given or not self.hash_secret:
            return False
        return signature_ok(sign_params(self.hash_secret, params), given)

    def outcome(self, params: dict[str, str]) -> Outcome:
        """Read a signed IPN or return-URL query (verify it first). Raises ValueError."""
        raw_amount = params.get("vnp_Amount", "")
        if not (raw_amount.isascii() and raw_amount.isdigit()):
            raise ValueError("vnp_Amount is not a whole number")
        return Outcome(
            txn_ref=params.get("vnp_TxnRef", ""),
            amount=int(raw_amount) // 100 if int(raw_amount) % 100 == 0 else -1,
            response_code=params.get("vnp_ResponseCode", ""),
            transaction_status=params.get("vnp_TransactionStatus", ""),
            transaction_no=params.get("vnp_TransactionNo", ""),
            bank_code=params.get("vnp_BankCode", ""),
            pay_date=params.get("vnp_PayDate", ""),
            data={key: value for key, value in params.items() if key != "vnp_SecureHash"},
        )

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        if not self.api_url:
            raise GatewayError("No merchant API address is configured.")
        data = json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 - the address comes from settings
            self.api_url,
            data=data,
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer = json.loads(response.read().decode("utf-8"))
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as error:
            raise GatewayError(f"merchant API call failed: {error!r}") from error
        if not isinstance(answer, dict):
            raise GatewayError("merchant API answered something that is not a JSON object")
        return answer

    def _base(self, command: str, client_ip: str) -> dict[str, str]:
        return {
            "vnp_RequestId": uuid.uuid4().hex[:32],
            "vnp_Version": VERSION,
            "vnp_Command": command,
            "vnp_TmnCode": self.tmn_code,
            "vnp_CreateDate": gmt7(datetime.now(UTC)),
            "vnp_IpAddr": client_ip or "127.0.0.1",
        }

    def query(
        self, *, txn_ref: str, order_info: str, transaction_date: datetime, client_ip: str
    ) -> QueryResult:
        body = {
            **self._base("querydr", client_ip),
            "vnp_TxnRef": txn_ref,
            "vnp_OrderInfo": plain_text(order_info),
            "vnp_TransactionDate": gmt7(transaction_date),
        }
        body["vnp_SecureHash"] = sign_fields(self.hash_secret, body, QUERY_REQUEST_FIELDS)
        answer = {key: str(value) for key, value in self._post(body).items()}
        code = answer.get("vnp_ResponseCode", "")
        if code == "91":
            return QueryResult(found=False, outcome=None, response_code=code)
        if code != "00":
            # Refusals change nothing here, so they need no signature to be believed.
            raise GatewayError(f"querydr refused: {code} {answer.get('vnp_Message', '')}")
        expected = sign_fields(self.hash_secret, answer, QUERY_RESPONSE_FIELDS)
        if not signature_ok(expected, answer.get("vnp_SecureHash", "")):
            raise GatewayError("querydr answer has an invalid signature")
        if answer.get("vnp_TxnRef") != txn_ref:
            raise GatewayError("querydr answered about another order")
        return QueryResult(found=True, outcome=self.outcome(answer), response_code=code)

    def refund(
        self,
        *,
        txn_ref: str,
        amount: int,
        transaction_no: str,
        transaction_date: datetime,
        created_by: str,
        order_info: str,
        client_ip: str,
    ) -> RefundResult:
        body = {
            **self._base("refund", client_ip),
            "vnp_TransactionType": "02",  # full refund
            "vnp_TxnRef": txn_ref,
            "vnp_Amount": str(amount * 100),
            "vnp_TransactionNo": transaction_no,
            "vnp_TransactionDate": gmt7(transaction_date),
            "vnp_CreateBy": plain_text(created_by, 100) or "system",
            "vnp_OrderInfo": plain_text(order_info),
        }
        body["vnp_SecureHash"] = sign_fields(self.hash_secret, body, REFUND_REQUEST_FIELDS)
        answer = {key: str(value) for key, value in self._post(body).items()}
        code = answer.get("vnp_ResponseCode", "")
        if "vnp_SecureHash" in answer:
            expected = sign_fields(self.hash_secret, answer, REFUND_RESPONSE_FIELDS)
            if not signature_ok(expected, answer["vnp_SecureHash"]):
                raise GatewayError("refund answer has an invalid signature")
        elif code == "00":
            raise GatewayError("refund answer is not signed")
        return RefundResult(
            ok=code == "00",
            response_code=code,
            message=answer.get("vnp_Message", ""),
            transaction_no=answer.get("vnp_TransactionNo", ""),
        )


def online_payment_configured() -> bool:
    return bool(
        settings.VNPAY_TMN_CODE
        and settings.VNPAY_HASH_SECRET
        and (settings.VNPAY_PAY_URL or settings.PAYMENT_SANDBOX_ENABLED)
    )


def sandbox_pay_path() -> str:
    from django.urls import reverse

    return reverse("payments:sandbox_pay")


def get_gateway() -> VNPayGateway:
    """The configured gateway; the sandbox is the same protocol at our own address."""
    pay_url = settings.VNPAY_PAY_URL or (
        sandbox_pay_path() if settings.PAYMENT_SANDBOX_ENABLED else ""
    )
    return VNPayGateway(
        tmn_code=settings.VNPAY_TMN_CODE,
        hash_secret=settings.VNPAY_HASH_SECRET,
        pay_url=pay_url,
        api_url=settings.VNPAY_API_URL,
        timeout=settings.VNPAY_TIMEOUT,
    )
