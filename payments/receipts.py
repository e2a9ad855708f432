"""The fee receipt (Biên lai thu phí, lệ phí) of a paid payment, as a PDF.

Made with the notices' WeasyPrint setup (same stylesheet, fonts, official header and QR to the
public lookup). A receipt never changes once the payment is paid, so it is rendered on request
(a fraction of a second) instead of stored.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from dossiers import notices

from .models import Payment
from .words import amount_in_words

# Legal texts: Vietnamese whatever the interface language (STYLE.md).
METHODS = {
    Payment.Method.CASH: "Tiền mặt tại Bộ phận tiếp nhận và trả kết quả",
    Payment.Method.ONLINE: "Thanh toán trực tuyến qua cổng thanh toán",
    Payment.Method.BANK_TRANSFER: "Chuyển khoản ngân hàng",
    Payment.Method.POST_OFFICE: "Nộp qua bưu điện",
}
KINDS = {"fee": "Phí", "charge": "Lệ phí"}


def _vnd(amount: int) -> str:
    return f"{int(amount):,}".replace(",", ".")


def receipt_context(payment: Payment) -> dict[str, Any]:
    dossier = payment.dossier
    data = dossier.procedure_version.data
    paid = timezone.localtime(payment.paid_at or payment.created_at)
    code = dossier.code or ""
    url = notices.lookup_url(code)
    account = payment.gateway_data.get("account") or {}
    return {
        "receipt_number": payment.receipt_number,
        "code": code,
        "agency_name": payment.agency.name,
        "agency_address": payment.agency.address,
        "place": settings.PORTAL_PLACE_NAME,
        "day": f"{paid.day:02d}",
        "month": f"{paid.month:02d}",
        "year": paid.year,
        "payer_name": payment.payer_name,
        "national_id": dossier.applicant_national_id,
        "procedure_name": data.get("name", ""),
        "procedure_code": data.get("code", ""),
        "items": [
            {
                "name": item.get("name", ""),
                "kind": KINDS.get(item.get("kind", ""), ""),
                "amount": _vnd(item.get("amount") or 0),
            }
            for item in payment.items
        ],
        "amount": _vnd(payment.amount),
        "amount_words": amount_in_words(payment.amount),
        "method": METHODS.get(Payment.Method(payment.method), ""),
        "reference": payment.reference,
        "account": " – ".join(
            part
            for part in (
                account.get("account_number", ""),
                account.get("account_name", ""),
                account.get("bank", ""),
            )
            if part
        ),
        "paid_at": paid.strftime("%H giờ %M phút, ngày %d/%m/%Y"),
        "collector": payment.recorded_by.full_name if payment.recorded_by else "",
        "refunded": payment.state == Payment.State.REFUNDED,
        "refunded_at": timezone.localtime(payment.refunded_at).strftime("%d/%m/%Y")
        if payment.refunded_at
        else "",
        "refund_reference": payment.refund_reference,
        "lookup_url": url,
        "qr": notices._qr_data_uri(url),
    }


def receipt_pdf(payment: Payment) -> bytes:
    from weasyprint import HTML  # heavy import: downloads only

    html = render_to_string("payments/pdf/receipt.html", receipt_context(payment))
    document = HTML(string=html, base_url=str(settings.BASE_DIR))
    pdf: bytes = document.write_pdf(
        stylesheets=[notices._stylesheet()], font_config=notices._fonts()
    )
    return pdf


def receipt_response(payment: Payment) -> HttpResponse:
    """The receipt inline in the browser; call it after the permission checks."""
    response = HttpResponse(receipt_pdf(payment), content_type="application/pdf")
    filename = f"bien-lai-{payment.receipt_number or payment.pk}.pdf"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
