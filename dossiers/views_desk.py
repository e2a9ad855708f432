"""The one-stop desk under /can-bo/: work queue, dossier page, actions, walk-in registration.

Views stay thin: they read input with the forms in `forms_desk.py`, call one service, and show
its message. Every action redirects back to the dossier page (POST/redirect/GET); a service's
validation error re-renders the page with what the officer typed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from csp.constants import SELF
from csp.decorators import csp_replace
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from audit import services as audit
from portal.models import Department, User
from portal.roles import Role, staff_start_page
from procedures.models import Channel, Procedure, ServiceLevel
from procedures.presenters import format_vnd
from procedures.text import search_terms

from . import queue as desk_queue
from . import selectors, services
from .errors import DossierError, DossierValidationError
from .forms_desk import (
    DeskForm,
    ForwardForm,
    RefuseForm,
    SupplementRequestForm,
    WalkInForm,
)
from .models import Attachment, Dossier
from .presenters import STATE_BADGES
from .ratelimit import client_ip

View = Callable[..., HttpResponseBase]


def staff_role_required(*roles: Role) -> Callable[[View], View]:
    """Staff of an agency holding one of `roles`; anonymous people go to the log-in page.

    Two-factor verification is enforced for every staff request by StaffTwoFactorMiddleware.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            user = cast(User, user)
            if not user.agency_id or not any(user.has_role(role) for role in roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


desk_required = staff_role_required(Role.DESK_OFFICER)


def _officer(request: HttpRequest) -> User:
    return cast(User, request.user)  # staff_role_required


def _when(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M") if moment else ""


# --- The queue ------------------------------------------------------------------------------


def _state_badge(dossier: Dossier) -> tuple[str, str]:
    """CSS class and label of a dossier's state, as the desk sees it."""
    if dossier.state == Dossier.State.PROCESSING:
        if dossier.forwarded_at:
            return "badge-muted", _("Forwarded")
        return "badge-success", _("Accepted, to forward")
    css = STATE_BADGES.get(dossier.state, "badge-muted")
    return css, str(dossier.get_state_display())  # type: ignore[attr-defined]


def _local(moment: Any, pattern: str) -> str:
    return timezone.localtime(moment).strftime(pattern) if moment else ""


def _queue_rows(page: desk_queue.QueuePage) -> list[dict[str, Any]]:
    """What each row shows, computed once here: the page is rendered thousands of times."""
    prefix = reverse("desk:dossier", args=[0]).removesuffix("0/")
    channels = {value: str(label) for value, label in Channel.choices}
    badges: dict[tuple[str, bool], tuple[str, str]] = {}
    from payments.selectors import fee_states  # payments builds on dossiers

    fees = fee_states([row.dossier for row in page.rows])
    fee_labels = {
        "none": ("badge-muted", _("No fee")),
        "paid": ("badge-success", _("Paid")),
        "exempt": ("badge-muted", _("Exempted")),
        "unpaid": ("badge-danger", _("Unpaid")),
        "at_result": ("badge-info", _("Due with the result")),
    }
    rows = []
    for row in page.rows:
        d = row.dossier
        fee = fees.get(d.pk)
        fee_css, fee_label = fee_labels[fee.code] if fee else ("badge-muted", "")
        key = (d.state, d.forwarded_at is None)
        if key not in badges:
            badges[key] = _state_badge(d)
        state_css, state_label = badges[key]
        at_desk = d.state == Dossier.State.PROCESSING and d.forwarded_at is None
        rows.append(
            {
                "d": d,
                "url": f"{prefix}{d.pk}/",
                "channel": channels.get(d.channel, d.channel),
                "state_css": state_css,
                "state_label": state_label,
                "received": _local(d.submitted_at, "%d/%m/%Y %H:%M"),
                "at_desk": at_desk,
                "forward_by": _local(d.forward_due_at, "%d/%m %H:%M"),
                "due": _local(d.due_at, "%d/%m/%Y %H:%M"),
                "due_status": row.due_status,
                "forward_breached": row.forward_breached,
                "late": row.forward_breached or row.due_status == "overdue",
                "fee_code": fee.code if fee else "",
                "fee_css": fee_css,
                "fee_label": fee_label,
                "fee_outstanding": format_vnd(fee.outstanding) if fee and fee.outstanding else "",
            }
        )
    return rows


@never_cache
@require_safe
def queue(request: HttpRequest) -> HttpResponseBase:
    """/can-bo/: the desk's queue; every other staff role is sent to its own start page
    (specialists, leaders, IT staff); citizens are refused."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    start = staff_start_page(request.user)
    if start is None:
        raise PermissionDenied
    if start != request.path:
        return redirect(start)
    return _desk_queue(request)


@desk_required
def _desk_queue(request: HttpRequest) -> HttpResponse:
    officer = _officer(request)
    filters = desk_queue.QueueFilters.from_query(request.GET)
    agency_id = cast(int, officer.agency_id)
    page = desk_queue.desk_queue(
        agency_id=agency_id, filters=filters, after=request.GET.get("sau", "")
    )
    procedures = (
        Procedure.objects.filter(agency_id=agency_id, is_published=True)
        .order_by("code")
        .values_list("pk", "code", "name")
    )
    tabs = [
        (desk_queue.AT_DESK, _("At the desk"), page.counts.get("at_desk", 0)),
        (desk_queue.RECEIVED, _("Awaiting reception"), page.counts.get("received", 0)),
        (desk_queue.INCOMPLETE, _("Supplement requested"), page.counts.get("incomplete", 0)),
        (desk_queue.ACCEPTED, _("Accepted, to forward"), page.counts.get("accepted", 0)),
        (desk_queue.FORWARDED, _("Forwarded"), page.counts.get("forwarded", 0)),
        (desk_queue.ALL_OPEN, _("All open"), page.counts.get("all", 0)),
    ]
    filter_params = filters.as_params()
    context = {
        "page": page,
        "rows": _queue_rows(page),
        "filters": filters,
        "tabs": [
            {
                "value": value,
                "label": label,
                "count": count,
                "query": urlencode(desk_queue.filters_with(filters, state=value)),
                "current": value == filters.state,
            }
            for value, label, count in tabs
        ],
        "breach_query": urlencode(
            desk_queue.filters_with(filters, state=desk_queue.ALL_OPEN, due="cham-chuyen")
        ),
        "overdue_query": urlencode(
            desk_queue.filters_with(filters, state=desk_queue.ALL_OPEN, due="qua-han")
        ),
        "procedures": procedures,
        "channels": Channel.choices,
        "due_choices": [
            (desk_queue.OVERDUE, _("Overdue")),
            (desk_queue.DUE_TODAY, _("Due today")),
            (desk_queue.DUE_SOON, _("Due within 2 working days")),
            (desk_queue.FORWARD_BREACH, _("Not forwarded within ½ working day")),
        ],
        "state_choices": [(value, label) for value, label, _count in tabs],
        "next_query": urlencode({**filter_params, "sau": page.next_cursor})
        if page.next_cursor
        else "",
        "first_query": urlencode(filter_params),
        "has_filters": bool(filter_params.keys() - {"trang-thai"}),
        # Translated once per page, not once per row.
        "forward_by_label": _("Forward by"),
        "forward_late_label": _("Forwarding late"),
        "due_label": _("Due"),
        "overdue_label": _("Overdue"),
        "today_label": _("Due today"),
        "soon_label": _("Due soon"),
        "not_accepted_label": _("Not accepted yet"),
    }
    return render(request, "dossiers/desk/queue.html", context)


# --- The dossier page -----------------------------------------------------------------------


def _dossier_or_404(request: HttpRequest, pk: int) -> Dossier:
    dossier = selectors.desk_dossier(user=_officer(request), dossier_id=pk)
    if dossier is None:
        raise Http404(_("No dossier of your agency has this number."))
    return dossier


def _departments(dossier: Dossier) -> Any:
    return Department.objects.filter(agency_id=dossier.agency_id, is_one_stop_desk=False).order_by(
        "name"
    )


def _forward_form(dossier: Dossier) -> ForwardForm:
    """The forward form with the department the procedure names already chosen."""
    departments = _departments(dossier)
    return ForwardForm(
        departments=departments,
        initial={"department": selectors.procedure_department(dossier=dossier)},
    )


def _documents_with_files(dossier: Dossier) -> tuple[list[dict[str, Any]], list[Attachment]]:
    attachments = list(dossier.attachments.all())
    by_document: dict[int | None, list[Attachment]] = {}
    for attachment in attachments:
        by_document.setdefault(attachment.document_id, []).append(attachment)
    documents = []
    for document in dossier.procedure_version.data.get("documents", []):
        documents.append({**document, "files": by_document.pop(document.get("id"), [])})
    others = [attachment for files in by_document.values() for attachment in files]
    return documents, others


def _render_dossier(
    request: HttpRequest,
    dossier: Dossier,
    *,
    forms: dict[str, DeskForm] | None = None,
) -> HttpResponse:
    forms = forms or {}
    documents, other_files = _documents_with_files(dossier)
    data = dossier.procedure_version.data
    now = timezone.now()
    state = dossier.state
    at_desk = state == Dossier.State.PROCESSING and dossier.forwarded_at is None
    from payments.selectors import fee_awaited_before_acceptance  # payments builds on dossiers

    fee_awaited = fee_awaited_before_acceptance(dossier)
    context = {
        "dossier": dossier,
        "version": data,
        "fee_awaited": format_vnd(fee_awaited) if fee_awaited else "",
        "documents": documents,
        "other_files": other_files,
        "events": dossier.events.select_related("actor"),
        "forward_breached": services.forward_breached(dossier, now=now),
        "due_status": desk_queue.due_status(dossier, desk_queue.Moments.at(now)),
        "level_partly_online": data.get("level") == ServiceLevel.PARTLY_ONLINE,
        "can_check": state == Dossier.State.RECEIVED,
        "can_refuse": state in (Dossier.State.RECEIVED, Dossier.State.INCOMPLETE),
        "can_forward": at_desk,
        "can_mark_originals": dossier.is_open and not dossier.originals_checked,
        "supplement_form": forms.get("supplement_form")
        or SupplementRequestForm(documents=data.get("documents", [])),
        "refuse_form": forms.get("refuse_form") or RefuseForm(),
        "forward_form": forms.get("forward_form") or _forward_form(dossier),
    }
    return render(request, "dossiers/desk/dossier.html", context)


@never_cache
@require_safe
@desk_required
def dossier(request: HttpRequest, pk: int) -> HttpResponse:
    found = _dossier_or_404(request, pk)
    audit.staff_access_record(user=_officer(request), dossier_id=found.pk, ip=client_ip(request))
    return _render_dossier(request, found)


def _back(pk: int) -> HttpResponse:
    return redirect("desk:dossier", pk=pk)


def _act(
    request: HttpRequest,
    dossier: Dossier,
    action: Callable[[], Dossier],
    *,
    form_name: str,
    form: DeskForm,
    fallback_field: str | None,
    success: Callable[[Dossier], None],
) -> HttpResponse:
    """Run a service: success → message and redirect; invalid → the page with the typed form."""
    try:
        result = action()
    except DossierValidationError as error:
        messages.error(request, error.message)
        form.add_service_errors(error, fallback_field)
        fresh = _dossier_or_404(request, dossier.pk)
        return _render_dossier(request, fresh, forms={form_name: form})
    except selectors.DossierNotFound as error:
        raise Http404(error.message) from error
    except DossierError as error:
        # Someone else acted first (or the dossier moved on): say so, show the new state.
        messages.error(request, error.message)
        return _back(dossier.pk)
    success(result)
    return _back(dossier.pk)


def _invalid(request: HttpRequest, dossier: Dossier, form_name: str, form: DeskForm) -> Any:
    messages.error(request, _("Please correct the problems below."))
    return _render_dossier(request, dossier, forms={form_name: form})


@require_POST
@desk_required
def request_supplement(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = _dossier_or_404(request, pk)
    form = SupplementRequestForm(
        request.POST, documents=dossier.procedure_version.data.get("documents", [])
    )
    if not form.is_valid():
        return _invalid(request, dossier, "supplement_form", form)
    return _act(
        request,
        dossier,
        lambda: services.dossier_request_supplement(
            dossier_id=pk,
            officer=_officer(request),
            document_ids=form.cleaned_data["documents"],
            note=form.cleaned_data["note"],
        ),
        form_name="supplement_form",
        form=form,
        fallback_field="note",
        success=lambda d: messages.success(
            request,
            _("Dossier %(code)s: the applicant has been asked for a supplement.")
            % {"code": d.code},
        ),
    )


@require_POST
@desk_required
def refuse(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = _dossier_or_404(request, pk)
    form = RefuseForm(request.POST)
    if not form.is_valid():
        return _invalid(request, dossier, "refuse_form", form)
    return _act(
        request,
        dossier,
        lambda: services.dossier_refuse(
            dossier_id=pk, officer=_officer(request), reason=form.cleaned_data["reason"]
        ),
        form_name="refuse_form",
        form=form,
        fallback_field="reason",
        success=lambda d: messages.success(
            request, _("Dossier %(code)s has been refused.") % {"code": d.code}
        ),
    )


@require_POST
@desk_required
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = _dossier_or_404(request, pk)
    return _act(
        request,
        dossier,
        lambda: services.dossier_accept(dossier_id=pk, officer=_officer(request)),
        form_name="accept_form",
        form=DeskForm(),
        fallback_field=None,
        success=lambda d: messages.success(
            request,
            _("Dossier %(code)s accepted. Result due on %(due)s; forward it by %(forward)s.")
            % {"code": d.code, "due": _when(d.due_at), "forward": _when(d.forward_due_at)},
        ),
    )


@require_POST
@desk_required
def forward(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = _dossier_or_404(request, pk)
    form = ForwardForm(request.POST, departments=_departments(dossier))
    if not form.is_valid():
        return _invalid(request, dossier, "forward_form", form)

    def forwarded(result: Dossier) -> None:
        names = {"code": result.code, "department": form.cleaned_data["department"].name}
        messages.success(request, _("Dossier %(code)s forwarded to %(department)s.") % names)
        if services.forward_breached(result):
            messages.warning(
                request,
                _("Forwarded after the half-day limit (%(limit)s): the delay is recorded.")
                % {"limit": _when(result.forward_due_at)},
            )

    return _act(
        request,
        dossier,
        lambda: services.dossier_forward(
            dossier_id=pk, officer=_officer(request), department=form.cleaned_data["department"]
        ),
        form_name="forward_form",
        form=form,
        fallback_field="department",
        success=forwarded,
    )


@require_POST
@desk_required
def mark_originals_checked(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = _dossier_or_404(request, pk)
    if request.POST.get("confirm") != "1":
        messages.error(request, _("Tick the box to confirm the comparison."))
        return _back(pk)
    return _act(
        request,
        dossier,
        lambda: services.dossier_mark_originals_checked(dossier_id=pk, officer=_officer(request)),
        form_name="originals_form",
        form=DeskForm(),
        fallback_field=None,
        success=lambda d: messages.success(
            request, _("Recorded: originals compared and forms signed at the desk.")
        ),
    )


# --- Files ----------------------------------------------------------------------------------


@xframe_options_sameorigin  # previewed in an <iframe> of the dossier page
@csp_replace({"frame-ancestors": [SELF]})  # ... so this portal may frame it
@never_cache
@require_safe
@staff_role_required(Role.DESK_OFFICER, Role.SPECIALIST, Role.LEADER)
def attachment(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    found = selectors.staff_attachment(
        user=_officer(request), dossier_id=pk, attachment_id=attachment_pk
    )
    if found is None:
        raise Http404(_("No such file."))
    audit.staff_access_record(
        user=_officer(request),
        dossier_id=pk,
        target=f"attachment:{found.pk}:{found.original_name}",
        ip=client_ip(request),
    )
    try:
        handle = found.file.open("rb")
    except FileNotFoundError as error:
        raise Http404(_("No such file.")) from error
    response = FileResponse(
        handle,
        content_type=found.content_type,
        as_attachment=request.GET.get("tai") == "1",
        filename=found.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- Walk-in registration -------------------------------------------------------------------


def _agency_procedures(officer: User) -> Any:
    return Procedure.objects.filter(
        agency_id=cast(int, officer.agency_id), is_published=True
    ).exclude(current_version=None)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@desk_required
def walk_in(request: HttpRequest) -> HttpResponse:
    officer = _officer(request)
    code = request.GET.get("thu-tuc", "").strip()
    if not code:
        procedures = _agency_procedures(officer).select_related("sector").order_by("code")
        query = request.GET.get("q", "").strip()[:100]
        for term in search_terms(query):
            procedures = procedures.filter(Q(search_text__contains=term) | Q(code__contains=term))
        return render(
            request,
            "dossiers/desk/walk_in_choose.html",
            {"procedures": procedures[:200], "query": query},
        )
    procedure = _agency_procedures(officer).select_related("current_version").filter(code=code)
    chosen = procedure.first()
    if chosen is None or chosen.current_version is None:
        raise Http404(_("Your agency has no published procedure with this code."))
    data = chosen.current_version.data
    form = WalkInForm(request.POST or None, request.FILES or None, version_data=data)
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            registered = services.dossier_register_walk_in(
                officer=officer,
                procedure=chosen,
                applicant=services.Applicant(
                    name=values["name"],
                    national_id=values["national_id"],
                    phone=values["phone"],
                    email=values["email"],
                    address=values["address"],
                    on_behalf_of=values["on_behalf_of"],
                ),
                files=form.files_by_document(),
                originals_checked=values["originals_checked"],
                return_method=values["return_method"],
                postal_address=values["postal_address"],
            )
        except DossierValidationError as error:
            messages.error(request, error.message)
            form.add_service_errors(error, None)
        except DossierError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Dossier %(code)s registered. Check it, then accept it to issue the receipt.")
                % {"code": registered.code},
            )
            return redirect("desk:dossier", pk=registered.pk)
    elif request.method == "POST":
        messages.error(request, _("Please correct the problems below."))
    return render(
        request,
        "dossiers/desk/walk_in.html",
        {"procedure": chosen, "version": data, "form": form},
    )
