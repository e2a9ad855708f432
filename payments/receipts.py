"""The fee receipt (Biên lai thu phí, lệ phí) of a paid payment, as a signed PDF.

Made with the notices' WeasyPrint setup (same stylesheet, fonts, official header), signed with
the agency's key and a QR code to its own verification page. It is rendered and signed by a
worker when the payment is paid (and again, marked refunded, when it is refunded), then stored:
the copy the citizen downloads is the one whose hash the verification page knows.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from dossiers import notices
from portal import numbers
from signing import issuing
from signing import services as signing
from signing.models import SignedDocument

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
    return numbers.format_number(amount, 0, language="vi")


PAID, REFUNDED = "paid", "refunded"
TITLE = "Biên lai thu phí, lệ phí"


def receipt_context(
    payment: Payment, *, refunded: bool | None = None, lookup_qr: bool = True
) -> dict[str, Any]:
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
        "agency_tax_code": payment.agency.tax_code,
        "receipt_form": payment.agency.fee_receipt_form,
        "receipt_series": payment.agency.fee_receipt_series,
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
        "refunded": payment.state == Payment.State.REFUNDED if refunded is None else refunded,
        "refunded_at": timezone.localtime(payment.refunded_at).strftime("%d/%m/%Y")
        if payment.refunded_at
        else "",
        "refund_reference": payment.refund_reference,
        "lookup_url": url,
        # A signed receipt's QR code is its verification link: the lookup one is not drawn.
        "qr": notices._qr_data_uri(url) if lookup_qr else "",
    }


def variant(payment: Payment) -> str:
    return REFUNDED if payment.state == Payment.State.REFUNDED else PAID


def receipt_document(payment: Payment) -> SignedDocument:
    """The verification record of the payment's receipt as it reads now (paid, or refunded)."""
    dossier = payment.dossier
    document, _created = SignedDocument.objects.get_or_create(
        kind=SignedDocument.Kind.FEE_RECEIPT,
        payment=payment,
        variant=variant(payment),
        defaults={"dossier": dossier, "dossier_code": dossier.code or "", "agency": payment.agency},
    )
    return document


def schedule_receipt(payment: Payment) -> SignedDocument:
    """In the transaction that pays or refunds: the worker signs the receipt after commit."""
    return issuing.schedule(receipt_document(payment))


def layout(payment: Payment, extra: dict[str, Any], *, refunded: bool | None = None) -> Any:
    """The laid-out WeasyPrint document of the receipt (pages and boxes, before the PDF)."""
    from weasyprint import HTML  # heavy import: workers and downloads only

    context = {
        **receipt_context(payment, refunded=refunded, lookup_qr="verify_qr" not in extra),
        **extra,
    }
    html = render_to_string("payments/pdf/receipt.html", context)
    document = HTML(string=html, base_url=str(settings.BASE_DIR))
    return document.render(stylesheets=[notices._stylesheet()], font_config=notices._fonts())


def sign_receipt(document: SignedDocument) -> bytes:
    """Render and sign the receipt of ``document`` (called by signing.issuing in the worker)."""
    payment = Payment.objects.select_related(
        "dossier__procedure_version", "agency", "recorded_by"
    ).get(pk=document.payment_id)
    refunded = document.variant == REFUNDED
    return signing.sign_layout(
        document, layout=lambda extra: layout(payment, extra, refunded=refunded), reason=TITLE
    )


def receipt_pdf(payment: Payment) -> bytes:
    """The signed receipt as issued; raises signing.issuing.NotIssued while it cannot be."""
    return issuing.issued_bytes(receipt_document(payment))


def receipt_response(payment: Payment) -> HttpResponse:
    """The receipt inline in the browser; call it after the permission checks.

    Raises signing.issuing.NotIssued when the receipt could not be signed (yet).
    """
    response = HttpResponse(receipt_pdf(payment), content_type="application/pdf")
    filename = f"bien-lai-{payment.receipt_number or payment.pk}.pdf"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
