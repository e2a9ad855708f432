"""What the fee cards and payment pages show, computed once from the selectors."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers.models import Dossier
from procedures.models import FeeDue, FeeItem
from procedures.presenters import format_vnd

from .models import Payment
from .selectors import DossierFees, dossier_fees, payments_of_dossier

STATE_BADGES = {
    Payment.State.PENDING: "badge-warning",
    Payment.State.PAID: "badge-success",
    Payment.State.FAILED: "badge-danger",
    Payment.State.CANCELLED: "badge-muted",
    Payment.State.EXPIRED: "badge-muted",
    Payment.State.UNDER_REVIEW: "badge-warning",
    Payment.State.REFUND_REQUESTED: "badge-info",
    Payment.State.REFUNDED: "badge-info",
}
PAYABLE = (
    Dossier.State.RECEIVED,
    Dossier.State.INCOMPLETE,
    Dossier.State.PROCESSING,
    Dossier.State.DONE,
)


def when(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%H:%M %d/%m/%Y") if moment else ""


def fee_status(fees: DossierFees) -> tuple[str, str]:
    """CSS class and label of where the fees stand."""
    if not fees.has_fees:
        return "badge-muted", _("No fees")
    if fees.exempt:
        return "badge-info", _("Exempted")
    if fees.settled:
        return "badge-success", _("Paid")
    if fees.under_review:
        return "badge-warning", _("Payment under review by the bank")
    if fees.pending_online:
        return "badge-warning", _("Payment being confirmed")
    return "badge-warning", _("To be paid")


def _kind(value: str) -> str:
    return str(FeeItem.Kind(value).label) if value in FeeItem.Kind.values else ""


def fees_view(dossier: Dossier, *, receipt_url_name: str) -> dict[str, Any]:
    fees = dossier_fees(dossier)
    css, label = fee_status(fees)
    rows = []
    for payment in payments_of_dossier(dossier):
        rows.append(
            {
                "payment": payment,
                "alert_open": payment.alert_open,
                "badge": STATE_BADGES.get(Payment.State(payment.state), "badge-muted"),
                "amount": format_vnd(payment.amount),
                "created_at": when(payment.created_at),
                "paid_at": when(payment.paid_at),
                "refunded_at": when(payment.refunded_at),
                "receipt_url": reverse(
                    receipt_url_name, kwargs={"pk": dossier.pk, "payment_pk": payment.pk}
                )
                if payment.has_receipt
                else "",
                "gateway_message": gateway_message(payment.gateway_data.get("response_code", ""))
                if payment.state
                in (Payment.State.FAILED, Payment.State.CANCELLED, Payment.State.UNDER_REVIEW)
                else "",
            }
        )
    agency = dossier.agency
    return {
        "dossier": dossier,
        "fees": fees,
        "items": [
            {
                "name": item.name,
                "kind": _kind(item.kind),
                # "Lệ phí (Lệ phí)": the kind is said only when the name does not say it.
                "kind_note": ""
                if _kind(item.kind).casefold() in item.name.casefold()
                else _kind(item.kind),
                "amount": format_vnd(item.amount),
                "exemptions": item.exemptions,
            }
            for item in fees.items
        ],
        "total": format_vnd(fees.total),
        "paid": format_vnd(fees.paid),
        "outstanding": format_vnd(fees.outstanding),
        "status_css": css,
        "status_label": label,
        "due_label": fees.due_label(),
        "due_before_processing": fees.due == FeeDue.AT_SUBMISSION,
        "payments": rows,
        "alerts": [row for row in rows if row["alert_open"]],
        "payable": dossier.state in PAYABLE and fees.outstanding > 0 and not fees.under_review,
        "bank_account": {
            "number": agency.bank_account_number,
            "name": agency.bank_account_name,
            "bank": agency.bank_name,
        }
        if agency.bank_account_number
        else None,
    }


# vnp_ResponseCode → what the citizen reads (VNPAY.md).
def gateway_message(code: str) -> str:
    messages = {
        "00": _("The payment was successful."),
        "07": _("The amount was debited but the transaction is under review by the bank."),
        "09": _("Your card or account is not registered for internet banking."),
        "10": _("Card or account authentication failed more than three times."),
        "11": _("The payment timed out. Please try again."),
        "24": _("You cancelled the payment."),
        "51": _("Your account does not have enough money for this payment."),
        "65": _("Your account has exceeded its daily payment limit."),
        "75": _("The bank is under maintenance. Please try again later."),
        "79": _("The payment password was entered wrongly too many times."),
    }
    if not code:
        return ""
    return messages.get(code, _("The payment did not go through (code %(code)s).") % {"code": code})
