"""Payment pages: the citizen's online payment and receipts, the gateway's IPN and return URL,
and the desk's payment page. Views parse, call one service, and render.
"""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from dossiers import selectors as dossier_selectors
from dossiers.models import Dossier
from dossiers.ratelimit import client_ip
from dossiers.views_desk import desk_required
from portal.models import User
from procedures.presenters import format_vnd
from signing.issuing import NotIssued

from . import receipts, selectors, services
from .errors import PaymentError, PaymentValidationError
from .forms import (
    AlertHandledForm,
    DeskPaymentForm,
    ExemptionForm,
    RefundRecordForm,
    ReviewConfirmForm,
    ReviewRefundForm,
)
from .gateways import get_gateway
from .models import Payment, PaymentEvent
from .presenters import fees_view, gateway_message


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


# --- Citizen ---------------------------------------------------------------------------------


def _return_url(request: HttpRequest) -> str:
    path = reverse("payments:return")
    base = settings.PAYMENT_RETURN_URL_BASE
    return f"{base}{path}" if base else request.build_absolute_uri(path)


@require_POST
@login_required
def pay_online(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = get_object_or_404(Dossier.objects.filter(applicant=_user(request)), pk=pk)
    try:
        _payment, url = services.payment_start_online(
            dossier_id=dossier.pk,
            actor=_user(request),
            client_ip=client_ip(request),
            return_url=_return_url(request),
        )
    except PaymentError as error:
        messages.error(request, error.message)
        return redirect("dossiers:detail", pk=dossier.pk)
    return HttpResponseRedirect(url)


@never_cache
@require_safe
def payment_return(request: HttpRequest) -> HttpResponse:
    """Where the gateway sends the citizen back: it shows the outcome and changes nothing."""
    params = {key: str(value) for key, value in request.GET.items() if key.startswith("vnp_")}
    gateway = get_gateway()
    if not gateway.verify(params):
        return render(request, "payments/citizen/return.html", {"invalid": True}, status=400)
    try:
        outcome = gateway.outcome(params)
    except ValueError:
        return render(request, "payments/citizen/return.html", {"invalid": True}, status=400)
    payment = selectors.payment_by_txn_ref(outcome.txn_ref)
    mine = (
        payment is not None
        and request.user.is_authenticated
        and payment.dossier.applicant_id == request.user.pk
    )
    context = {
        "invalid": False,
        "success": outcome.is_paid,
        "review": outcome.is_under_review,
        "message": gateway_message(outcome.response_code),
        "amount": format_vnd(outcome.amount) if outcome.amount >= 0 else "",
        # Only the owner learns which dossier and what the portal has recorded.
        "payment": payment if mine else None,
        "dossier_url": reverse("dossiers:detail", kwargs={"pk": payment.dossier_id})
        if mine and payment
        else "",
    }
    return render(request, "payments/citizen/return.html", context)


@require_safe
@login_required
def receipt(request: HttpRequest, pk: int, payment_pk: int) -> HttpResponse:
    payment = selectors.citizen_payment(user=_user(request), dossier_id=pk, payment_id=payment_pk)
    if payment is None or not payment.has_receipt:
        raise Http404(_("No such receipt."))
    try:
        return receipts.receipt_response(payment)
    except NotIssued:
        messages.info(
            request, _("The fee receipt is being signed. Please download it again in a moment.")
        )
        return redirect("dossiers:detail", pk=pk)


# --- The gateway's server-to-server call --------------------------------------------------------


@csrf_exempt  # server to server, authenticated by the signature
@require_http_methods(["GET", "POST"])
def vnpay_ipn(request: HttpRequest) -> JsonResponse:
    source = request.GET if request.method == "GET" else request.POST
    params = {key: str(value) for key, value in source.items() if key.startswith("vnp_")}
    answer = services.payment_record_ipn(params=params)
    return JsonResponse(answer.as_json())


# --- Desk ------------------------------------------------------------------------------------


def _desk_dossier(request: HttpRequest, pk: int) -> Dossier:
    dossier = dossier_selectors.desk_dossier(user=_user(request), dossier_id=pk)
    if dossier is None:
        raise Http404(_("No dossier of your agency has this number."))
    return dossier


def _render_desk(
    request: HttpRequest,
    dossier: Dossier,
    *,
    forms: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    forms = forms or {}
    view = fees_view(dossier, receipt_url_name="payments:desk_receipt")
    refund_forms = {
        row["payment"].pk: forms.get(f"refund_{row['payment'].pk}")
        or RefundRecordForm(initial={"payment": row["payment"].pk})
        for row in view["payments"]
        if row["payment"].state == Payment.State.REFUND_REQUESTED
    }
    for row in view["payments"]:
        payment = row["payment"]
        row["refund_form"] = refund_forms.get(payment.pk)
        if payment.state == Payment.State.UNDER_REVIEW:
            row["review_form"] = forms.get(f"review_{payment.pk}") or ReviewConfirmForm(
                initial={"payment": payment.pk}
            )
            row["review_refund_form"] = forms.get(
                f"review_refund_{payment.pk}"
            ) or ReviewRefundForm(initial={"payment": payment.pk})
        elif payment.alert_open:
            row["alert_form"] = AlertHandledForm(initial={"payment": payment.pk})
    context = {
        **view,
        "pay_form": forms.get("pay") or DeskPaymentForm(),
        "exempt_form": forms.get("exempt") or ExemptionForm(),
        "events": PaymentEvent.objects.filter(payment__dossier=dossier)
        .select_related("actor")
        .order_by("created_at", "pk"),
    }
    return render(request, "payments/desk/payments.html", context, status=status)


def _back(request: HttpRequest, dossier: Dossier) -> HttpResponse:
    if request.POST.get("next") == "dossier":
        return redirect("desk:dossier", pk=dossier.pk)
    return redirect("payments:desk", pk=dossier.pk)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@desk_required
def desk_payments(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = _desk_dossier(request, pk)
    if request.method != "POST":
        return _render_desk(request, dossier)
    action = request.POST.get("action")
    officer = _user(request)
    form: Any
    if action == "pay":
        form, name = DeskPaymentForm(request.POST), "pay"
    elif action == "exempt":
        form, name = ExemptionForm(request.POST), "exempt"
    elif action == "refund":
        form = RefundRecordForm(request.POST)
        name = f"refund_{request.POST.get('refund-payment', '')}"
    elif action == "review_confirm":
        form = ReviewConfirmForm(request.POST)
        name = f"review_{request.POST.get('review-payment', '')}"
    elif action == "review_refund":
        form = ReviewRefundForm(request.POST)
        name = f"review_refund_{request.POST.get('review-refund-payment', '')}"
    elif action == "alert_handled":
        form, name = AlertHandledForm(request.POST), "alert"
    else:
        messages.error(request, _("Unknown action."))
        return redirect("payments:desk", pk=dossier.pk)
    if not form.is_valid():
        messages.error(request, _("Please correct the problems below."))
        return _render_desk(request, dossier, forms={name: form}, status=400)
    values = form.cleaned_data
    try:
        if action == "pay":
            payment = services.payment_record_desk(
                dossier_id=dossier.pk,
                officer=officer,
                method=values["method"],
                reference=values["reference"],
                payer_name=values["payer_name"],
                note=values["note"],
            )
            messages.success(
                request,
                _("Payment of %(amount)s recorded; receipt number %(number)s.")
                % {"amount": format_vnd(payment.amount), "number": payment.receipt_number},
            )
        elif action == "exempt":
            services.fee_exemption_record(
                dossier_id=dossier.pk, officer=officer, reason=values["reason"]
            )
            messages.success(request, _("The exemption from fees has been recorded."))
        else:
            payment_obj = Payment.objects.filter(pk=values["payment"], dossier=dossier).first()
            if payment_obj is None:
                raise Http404(_("No such payment."))
            if action == "refund":
                services.payment_refund_record(
                    payment_id=payment_obj.pk,
                    officer=officer,
                    reference=values["reference"],
                    note=values["note"],
                )
                messages.success(request, _("The refund has been recorded."))
            elif action == "review_confirm":
                payment = services.payment_review_confirm(
                    payment_id=payment_obj.pk, officer=officer, note=values["note"]
                )
                messages.success(
                    request,
                    _("The payment is confirmed as paid; receipt number %(number)s.")
                    % {"number": payment.receipt_number},
                )
            elif action == "review_refund":
                services.payment_review_refund(
                    payment_id=payment_obj.pk, officer=officer, reason=values["reason"]
                )
                messages.success(request, _("The refund of this payment has been requested."))
            else:
                services.payment_alert_handle(payment_id=payment_obj.pk, officer=officer)
                messages.success(request, _("The alert is marked as handled."))
    except PaymentValidationError as error:
        messages.error(request, error.message)
        form.add_service_errors(error, None)
        return _render_desk(request, dossier, forms={name: form}, status=400)
    except PaymentError as error:
        messages.error(request, error.message)
        return redirect("payments:desk", pk=dossier.pk)
    return _back(request, dossier)


@never_cache
@require_safe
@desk_required
def desk_receipt(request: HttpRequest, pk: int, payment_pk: int) -> HttpResponse:
    payment = selectors.desk_payment(user=_user(request), dossier_id=pk, payment_id=payment_pk)
    if payment is None or not payment.has_receipt:
        raise Http404(_("No such receipt."))
    try:
        return receipts.receipt_response(payment)
    except NotIssued as problem:
        messages.error(
            request,
            _("The fee receipt is not issued yet: %(reason)s")
            % {"reason": problem.document.error or _("it is being signed")},
        )
        return redirect("payments:desk", pk=pk)
