"""The built-in sandbox gateway: this server playing the bank's side of the VNPay protocol.

On in `make run` and tests, off in production (settings refuse it there unless forced). Its pay
page checks the signed request as the gateway would, lets the person choose an outcome, then
calls our IPN server to server, signed exactly as VNPay signs it, and sends the browser to our
return URL. Its merchant API answers querydr and refund. Nothing here touches `Payment`: the
portal learns the outcome only through the IPN (or querydr), as with the real gateway.
"""

from __future__ import annotations

import json
import logging
import secrets
import urllib.error
import urllib.request
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from procedures.presenters import format_vnd

from .gateways import (
    QUERY_REQUEST_FIELDS,
    QUERY_RESPONSE_FIELDS,
    REFUND_REQUEST_FIELDS,
    REFUND_RESPONSE_FIELDS,
    VERSION,
    gmt7,
    parse_gmt7,
    sign_fields,
    sign_params,
    signature_ok,
)
from .models import SandboxTransaction

logger = logging.getLogger(__name__)

# The outcomes the person can choose: (vnp_ResponseCode, vnp_TransactionStatus).
CHOICES = {
    "success": ("00", "00"),
    "insufficient_funds": ("51", "02"),
    "cancel": ("24", "02"),
    "suspicious": ("07", "07"),  # debited, held by the bank as suspected fraud
}
# Outcomes where the bank took the money (it has a transaction number).
DEBITED = ("00", "07")
REQUIRED = (
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_Amount",
    "vnp_CurrCode",
    "vnp_TxnRef",
    "vnp_OrderInfo",
    "vnp_ReturnUrl",
    "vnp_IpAddr",
    "vnp_CreateDate",
    "vnp_ExpireDate",
)
BANK_CODE = "NCB"


def _enabled() -> None:
    if not settings.PAYMENT_SANDBOX_ENABLED:
        raise Http404("sandbox gateway is off")


def _request_problem(params: dict[str, str]) -> str:
    """What VNPay would refuse in a pay request, or ""."""
    missing = [name for name in REQUIRED if not params.get(name)]
    if missing:
        return _("Missing parameters: %(names)s") % {"names": ", ".join(missing)}
    if not signature_ok(
        sign_params(settings.VNPAY_HASH_SECRET, params), params.get("vnp_SecureHash", "")
    ):
        return _("Invalid signature.")
    if params["vnp_Version"] != VERSION or params["vnp_Command"] != "pay":
        return _("Unsupported version or command.")
    if params["vnp_TmnCode"] != settings.VNPAY_TMN_CODE:
        return _("Unknown merchant terminal.")
    if not params["vnp_Amount"].isdigit() or params["vnp_CurrCode"] != "VND":
        return _("Invalid amount.")
    if urlsplit(params["vnp_ReturnUrl"]).scheme not in ("http", "https"):
        return _("Invalid return address.")
    expires = parse_gmt7(params["vnp_ExpireDate"])
    if expires is None or parse_gmt7(params["vnp_CreateDate"]) is None:
        return _("Invalid dates.")
    if expires < datetime.now(UTC):
        return _("This payment link has expired.")
    return ""


def _params(data: Any) -> dict[str, str]:
    return {key: str(value) for key, value in data.items() if key.startswith("vnp_")}


@require_http_methods(["GET", "HEAD", "POST"])
def pay(request: HttpRequest) -> HttpResponse:
    _enabled()
    params = _params(request.POST if request.method == "POST" else request.GET)
    problem = _request_problem(params)
    if problem:
        return render(request, "payments/sandbox/pay.html", {"problem": problem}, status=400)
    with transaction.atomic():
        txn, _created = SandboxTransaction.objects.select_for_update().get_or_create(
            txn_ref=params["vnp_TxnRef"],
            defaults={
                "tmn_code": params["vnp_TmnCode"],
                "amount": int(params["vnp_Amount"]),
                "order_info": params["vnp_OrderInfo"][:255],
                "create_date": params["vnp_CreateDate"],
                "transaction_status": "01",  # incomplete until the person chooses
            },
        )
        done = bool(txn.response_code)
        choice = request.POST.get("choice", "") if request.method == "POST" else ""
        if choice and not done:
            if choice not in CHOICES:
                return render(
                    request,
                    "payments/sandbox/pay.html",
                    {"problem": _("Choose an outcome.")},
                    status=400,
                )
            txn.response_code, txn.transaction_status = CHOICES[choice]
            txn.transaction_no = f"{secrets.randbelow(10**8):08d}"
            txn.bank_code = BANK_CODE
            txn.pay_date = gmt7(datetime.now(UTC))
            txn.save()
    if not choice:
        context = {
            "params": params,
            "amount": format_vnd(int(params["vnp_Amount"]) // 100),
            "order_info": params["vnp_OrderInfo"],
            "txn_ref": params["vnp_TxnRef"],
            "already_done": done,
        }
        return render(request, "payments/sandbox/pay.html", context)
    answer = _result_params(txn)
    if not done:
        _call_ipn(request, answer)
    return HttpResponseRedirect(f"{params['vnp_ReturnUrl']}?{urlencode(answer)}")


def _result_params(txn: SandboxTransaction) -> dict[str, str]:
    answer = {
        "vnp_Amount": str(txn.amount),
        "vnp_BankCode": txn.bank_code,
        "vnp_BankTranNo": f"VNP{txn.transaction_no}" if txn.response_code in DEBITED else "",
        "vnp_CardType": "ATM",
        "vnp_OrderInfo": txn.order_info,
        "vnp_PayDate": txn.pay_date,
        "vnp_ResponseCode": txn.response_code,
        "vnp_TmnCode": txn.tmn_code,
        "vnp_TransactionNo": txn.transaction_no if txn.response_code in DEBITED else "0",
        "vnp_TransactionStatus": txn.transaction_status,
        "vnp_TxnRef": txn.txn_ref,
    }
    answer = {key: value for key, value in answer.items() if value}
    answer["vnp_SecureHash"] = sign_params(settings.VNPAY_HASH_SECRET, answer)
    return answer


def _call_ipn(request: HttpRequest, answer: dict[str, str]) -> None:
    """Server to server, as the gateway does; a failure is logged (querydr catches up)."""
    url = settings.PAYMENT_SANDBOX_IPN_URL or request.build_absolute_uri(
        reverse("payments:vnpay_ipn")
    )
    try:
        with urllib.request.urlopen(f"{url}?{urlencode(answer)}", timeout=10) as response:  # noqa: S310
            logger.info("sandbox IPN answered %s", response.read()[:200])
    except (urllib.error.URLError, OSError) as error:
        logger.warning("sandbox IPN call failed: %r", error)


# --- The merchant API: querydr and refund ------------------------------------------------------


def _answer(values: dict[str, str], fields: tuple[str, ...]) -> JsonResponse:
    values["vnp_SecureHash"] = sign_fields(settings.VNPAY_HASH_SECRET, values, fields)
    return JsonResponse(values)


@csrf_exempt  # a server-to-server JSON API, authenticated by its checksum
@require_POST
def merchant_api(request: HttpRequest) -> JsonResponse:
    _enabled()
    try:
        body = json.loads(request.body.decode("utf-8"))
        if not isinstance(body, dict):
            raise ValueError
    except (UnicodeDecodeError, ValueError):
        return JsonResponse({"vnp_ResponseCode": "03", "vnp_Message": "Invalid format"})
    body = {key: str(value) for key, value in body.items()}
    command = body.get("vnp_Command")
    fields = {"querydr": QUERY_REQUEST_FIELDS, "refund": REFUND_REQUEST_FIELDS}.get(command or "")
    if fields is None:
        return JsonResponse({"vnp_ResponseCode": "03", "vnp_Message": "Invalid command"})
    if not signature_ok(
        sign_fields(settings.VNPAY_HASH_SECRET, body, fields), body.get("vnp_SecureHash", "")
    ):
        return JsonResponse({"vnp_ResponseCode": "97", "vnp_Message": "Invalid checksum"})
    if body.get("vnp_TmnCode") != settings.VNPAY_TMN_CODE:
        return JsonResponse({"vnp_ResponseCode": "02", "vnp_Message": "Invalid merchant"})
    txn = SandboxTransaction.objects.filter(txn_ref=body.get("vnp_TxnRef", "")).first()
    response_id = secrets.token_hex(16)
    if txn is None:
        return JsonResponse(
            {
                "vnp_ResponseId": response_id,
                "vnp_Command": command,
                "vnp_ResponseCode": "91",
                "vnp_Message": "Transaction not found",
            }
        )
    if command == "querydr":
        return _answer(
            {
                "vnp_ResponseId": response_id,
                "vnp_Command": "querydr",
                "vnp_ResponseCode": "00",
                "vnp_Message": "QueryDR Success",
                "vnp_TmnCode": txn.tmn_code,
                "vnp_TxnRef": txn.txn_ref,
                "vnp_Amount": str(txn.amount),
                "vnp_BankCode": txn.bank_code,
                "vnp_PayDate": txn.pay_date,
                "vnp_TransactionNo": txn.transaction_no,
                "vnp_TransactionType": "01",
                "vnp_TransactionStatus": txn.transaction_status,
                "vnp_OrderInfo": txn.order_info,
                "vnp_PromotionCode": "",
                "vnp_PromotionAmount": "",
            },
            QUERY_RESPONSE_FIELDS,
        )
    return _refund(txn, body, response_id)


def _refund(txn: SandboxTransaction, body: dict[str, str], response_id: str) -> JsonResponse:
    with transaction.atomic():
        txn = SandboxTransaction.objects.select_for_update().get(pk=txn.pk)
        amount = int(body.get("vnp_Amount") or 0) if body.get("vnp_Amount", "").isdigit() else 0
        if txn.transaction_status != "00":
            code, message = (
                ("94", "Already refunded")
                if txn.refunded_amount
                else ("02", "Transaction cannot be refunded")
            )
        elif amount <= 0 or amount > txn.amount - txn.refunded_amount:
            code, message = "03", "Invalid amount"
        else:
            txn.refunded_amount += amount
            txn.transaction_status = "05"  # refund in progress at the bank
            txn.save()
            code, message = "00", "Refund success"
    return _answer(
        {
            "vnp_ResponseId": response_id,
            "vnp_Command": "refund",
            "vnp_ResponseCode": code,
            "vnp_Message": message,
            "vnp_TmnCode": txn.tmn_code,
            "vnp_TxnRef": txn.txn_ref,
            "vnp_Amount": str(amount),
            "vnp_BankCode": txn.bank_code,
            "vnp_PayDate": txn.pay_date,
            "vnp_TransactionNo": txn.transaction_no,
            "vnp_TransactionType": body.get("vnp_TransactionType", "02"),
            "vnp_TransactionStatus": txn.transaction_status,
            "vnp_OrderInfo": body.get("vnp_OrderInfo", ""),
        },
        REFUND_RESPONSE_FIELDS,
    )
