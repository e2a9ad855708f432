"""Public feedback form, the sender's private page, the public Q&A, ratings and the ranking.

Views parse input, call one service and render. Text people typed is always rendered by the
template engine (escaped) and shown with ``white-space: pre-line``, never marked safe.
"""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from dossiers import ratelimit
from dossiers.models import Dossier
from portal.models import User
from portal.params import page_number

from . import selectors, services
from .errors import FeedbackError, RatingError
from .forms import FeedbackForm, RatingForm, VerdictForm
from .models import Feedback, FeedbackEvent, Rating

QA_PER_PAGE = 10
# What the sender sees of the history (reminders and escalations are internal).
PUBLIC_EVENT_KINDS = {
    FeedbackEvent.Kind.RECEIVED,
    FeedbackEvent.Kind.TRANSFERRED,
    FeedbackEvent.Kind.ANSWERED,
    FeedbackEvent.Kind.PUBLISHED,
    FeedbackEvent.Kind.CLOSED,
    FeedbackEvent.Kind.RESOLVED,
    FeedbackEvent.Kind.NOT_RESOLVED,
    FeedbackEvent.Kind.REOPENED,
}


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


# --- /phan-anh/ -----------------------------------------------------------------------------


def _initial_for(user: Any) -> dict[str, str]:
    if not user.is_authenticated:
        return {}
    return {"name": user.full_name, "phone": user.phone, "email": user.email}


@never_cache
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        initial = _initial_for(request.user)
        procedure = request.GET.get("thu-tuc", "")[:40]
        if procedure:
            initial["procedure"] = procedure
        form = FeedbackForm(initial=initial)
        return render(request, "feedback/form.html", {"form": form})
    # A dossier code typed here is looked up: it counts against the same per-address budget
    # as the public lookup (/tra-cuu/), so codes cannot be guessed through this form instead.
    code_check = None
    if str(request.POST.get("dossier_code", "")).strip():
        code_check = ratelimit.take(
            "lookup", ratelimit.client_ip(request), limit=settings.LOOKUP_RATE_LIMIT
        )
    refused = code_check is not None and not code_check.allowed
    form = FeedbackForm(request.POST, request.FILES, dossier_code_check_refused=refused)
    if form.is_spam:
        # A robot filled in the hidden field: thank it and keep nothing.
        return redirect("feedback:sent")
    if code_check is not None and refused:
        # The form shows what was typed, with the reason next to the code.
        response = render(request, "feedback/form.html", {"form": form}, status=429)
        response["Retry-After"] = str(code_check.retry_after)
        return response
    status = 200
    if form.is_valid():
        allowed, retry_after = ratelimit.hit(
            "feedback",
            ratelimit.client_ip(request),
            limit=settings.FEEDBACK_RATE_LIMIT,
            window=3600,
        )
        if not allowed:
            form.add_error(
                None,
                _(
                    "Too many feedback messages were sent from your network. Please try again "
                    "in %(minutes)s minutes, or call the hotline."
                )
                % {"minutes": max(1, retry_after // 60)},
            )
            response = render(request, "feedback/form.html", {"form": form}, status=429)
            response["Retry-After"] = str(retry_after)
            return response
        try:
            feedback = services.feedback_submit(
                data=form.to_input(), sender=cast(User, request.user)
            )
        except FeedbackError as err:
            form.add_error(None, err.message)
            status = 400
        else:
            messages.success(
                request,
                _("Your feedback has been received with reference %(code)s.")
                % {"code": feedback.code},
            )
            return redirect("feedback:track", token=feedback.token)
    return render(request, "feedback/form.html", {"form": form}, status=status)


@require_safe
def sent(request: HttpRequest) -> HttpResponse:
    return render(request, "feedback/sent.html")


def _track_context(feedback: Feedback, form: VerdictForm | None = None) -> dict[str, Any]:
    can_reply = (
        feedback.state in Feedback.ANSWERED_STATES
        and feedback.answered_at is not None
        and feedback.resolved is None
    )
    return {
        "feedback": feedback,
        "events": [e for e in feedback.events.all() if e.kind in PUBLIC_EVENT_KINDS],
        "verdict_form": (form or VerdictForm()) if can_reply else None,
    }


@require_safe
def track(request: HttpRequest, token: str) -> HttpResponse:
    feedback = selectors.feedback_for_sender(token)
    if feedback is None:
        raise Http404
    # SECURE_REFERRER_POLICY "same-origin" keeps the token out of other sites' logs;
    # "no-referrer" would also blank the Origin of the form's POST and fail the CSRF check.
    return _private(render(request, "feedback/track.html", _track_context(feedback)))


@require_POST
def verdict(request: HttpRequest, token: str) -> HttpResponse:
    feedback = selectors.feedback_for_sender(token)
    if feedback is None:
        raise Http404
    form = VerdictForm(request.POST)
    if form.is_valid():
        try:
            updated = services.feedback_record_verdict(
                token=token,
                resolved=form.cleaned_data["resolved"],
                note=form.cleaned_data.get("note") or "",
                actor=cast(User, request.user),
            )
        except FeedbackError as err:
            messages.error(request, err.message)
        else:
            if updated.resolved:
                messages.success(request, _("Thank you for telling us."))
            elif updated.is_open:
                messages.success(
                    request, _("Your feedback has been reopened; the agency will answer again.")
                )
            else:
                messages.info(request, _("Thank you. Your reply has been recorded."))
        return redirect("feedback:track", token=token)
    response = render(request, "feedback/track.html", _track_context(feedback, form), status=400)
    return _private(response)


@require_safe
@login_required
def mine(request: HttpRequest) -> HttpResponse:
    items = selectors.feedback_of_account(cast(User, request.user))
    return _private(render(request, "feedback/mine.html", {"items": items}))


# --- /hoi-dap/ ------------------------------------------------------------------------------


@require_safe
def qa_list(request: HttpRequest) -> HttpResponse:
    filters = selectors.QAFilters.from_params(request.GET)
    items = selectors.qa_search(filters)
    page = Paginator(items, QA_PER_PAGE).get_page(page_number(request.GET.get("trang")))
    params = request.GET.copy()
    params.pop("trang", None)
    return render(
        request,
        "feedback/qa_list.html",
        {
            "filters": filters,
            "page": page,
            "facets": selectors.qa_facets(),
            "query_string": params.urlencode(),
        },
    )


@require_safe
def qa_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(selectors.published_questions(), pk=pk)
    asked = pk in request.session.get("feedback_same_question", [])
    return render(request, "feedback/qa_detail.html", {"item": item, "asked": asked})


@require_POST
def qa_same_question(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(selectors.published_questions(), pk=pk)
    seen = list(request.session.get("feedback_same_question", []))
    allowed, _retry = ratelimit.hit("same-question", ratelimit.client_ip(request), limit=30)
    if pk not in seen and allowed:
        services.question_same_asked(feedback_id=item.pk)
        request.session["feedback_same_question"] = [*seen, pk][-200:]
        messages.success(request, _("Thank you. Questions many people ask are listed first."))
    return redirect("feedback:qa_detail", pk=pk)


# --- Ratings ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def rate(request: HttpRequest, pk: int) -> HttpResponse:
    user = cast(User, request.user)
    dossier = get_object_or_404(
        Dossier.objects.select_related("procedure", "agency"), pk=pk, applicant=user
    )
    existing = Rating.objects.filter(dossier=dossier).first()
    if existing is not None or dossier.state != Dossier.State.DONE:
        return render(
            request, "feedback/rate.html", {"dossier": dossier, "rating": existing, "form": None}
        )
    form = RatingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.rating_submit(dossier_id=dossier.pk, rater=user, data=form.to_input())
        except RatingError as err:
            messages.error(request, err.message)
        else:
            messages.success(request, _("Thank you for rating the service."))
        return redirect("dossiers:detail", pk=dossier.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "feedback/rate.html", {"dossier": dossier, "form": form}, status=status)


@require_safe
def ranking(request: HttpRequest) -> HttpResponse:
    return render(request, "feedback/ranking.html", {"rows": selectors.agency_ranking()})
