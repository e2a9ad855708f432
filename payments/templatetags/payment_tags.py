"""Fee cards included in the dossier pages: `{% load payment_tags %}{% citizen_fees dossier %}`."""

from __future__ import annotations

from typing import Any

from django import template

from dossiers.models import Dossier

from ..forms import DeskPaymentForm, ExemptionForm
from ..presenters import fees_view
from ..selectors import open_payment_alerts

register = template.Library()


@register.inclusion_tag("payments/tags/citizen_fees.html", takes_context=True)
def citizen_fees(context: Any, dossier: Dossier) -> dict[str, Any]:
    return {
        **fees_view(dossier, receipt_url_name="payments:receipt"),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("payments/tags/desk_fees.html", takes_context=True)
def desk_fees(context: Any, dossier: Dossier) -> dict[str, Any]:
    return {
        **fees_view(dossier, receipt_url_name="payments:desk_receipt"),
        "csrf_token": context.get("csrf_token"),
        "pay_form": DeskPaymentForm(),
        "exempt_form": ExemptionForm(),
    }


@register.inclusion_tag("payments/tags/desk_payment_alerts.html", takes_context=True)
def desk_payment_alerts(context: Any) -> dict[str, Any]:
    """The desk queue's badges for payments of the officer's agency that need attention."""
    user = getattr(context.get("request"), "user", None)
    agency_id = getattr(user, "agency_id", None)
    if not agency_id:
        return {"alerts": []}
    return {"alerts": list(open_payment_alerts(agency_id=agency_id)[:5])}
