"""Specialists and leaders under /can-bo/: work queue, processing page, approvals, dashboard.

And the desk's hand-over of results. Views stay thin: a form reads the input, one service in
`processing.py` decides and writes, the page shows its message (POST/redirect/GET).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from audit import services as audit
from portal.models import Department, User
from portal.roles import Role
from procedures.models import ReturnMethod

from . import dashboard as leader_dashboard
from . import processing, selectors, stopping, work_queue
from . import queue as desk_queue
from .errors import (
    DossierError,
    DossierValidationError,
    FeesOutstandingError,
)
from .forms_desk import DeskForm
from .forms_processing import (
    AssignForm,
    CollectForm,
    DecisionForm,
    PostForm,
    RefusalProposalForm,
    ResultForm,
    StopForm,
)
from .models import Attachment, Dossier, Proposal
from .presenters import STATE_BADGES
from .ratelimit import client_ip
from .views_desk import _documents_with_files, staff_role_required

processing_required = staff_role_required(Role.SPECIALIST, Role.LEADER)
leader_required = staff_role_required(Role.LEADER)
desk_required = staff_role_required(Role.DESK_OFFICER)

DEADLINE_BADGES = {
    desk_queue.ON_TIME: "badge-success",
    desk_queue.EARLY: "badge-success",
    desk_queue.AT_RISK: "badge-warning",
    desk_queue.OVERDUE_STATUS: "badge-danger",
    desk_queue.LATE: "badge-danger",
}


def deadline_labels() -> dict[str, str]:
    return {
        desk_queue.ON_TIME: _("On time"),
        desk_queue.EARLY: _("Early"),
        desk_queue.AT_RISK: _("At risk"),
        desk_queue.OVERDUE_STATUS: _("Overdue"),
        desk_queue.LATE: _("Late"),
    }


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _local(moment: Any, pattern: str = "%d/%m/%Y %H:%M") -> str:
    return timezone.localtime(moment).strftime(pattern) if moment else ""


# --- Landing -------------------------------------------------------------------------------


def staff_home_url(user: User) -> str | None:
    """Where a member of staff starts: desk → desk queue, leader → dashboard, specialist → queue."""
    if not user.is_authenticated or not user.agency_id:
        return None
    if user.has_role(Role.DESK_OFFICER):
        return reverse("desk:queue")
    if user.has_role(Role.LEADER):
        return reverse("desk:dashboard")
    if user.has_role(Role.SPECIALIST):
        return reverse("desk:processing_queue")
    return None


# --- The queue -----------------------------------------------------------------------------


@never_cache
@require_safe
@processing_required
def queue(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    filters = work_queue.WorkFilters.from_query(request.GET)
    page = work_queue.work_queue(user=user, filters=filters, after=request.GET.get("sau", ""))
    leader = work_queue.is_leader(user)
    agency_id = cast(int, user.agency_id)
    prefix = reverse("desk:processing_dossier", args=[0]).removesuffix("0/")
    labels = deadline_labels()
    rows = [
        {
            "d": row.dossier,
            "url": f"{prefix}{row.dossier.pk}/",
            "due": _local(row.dossier.due_at),
            "status": row.status,
            "status_css": DEADLINE_BADGES.get(row.status, "badge-muted"),
            "status_label": labels.get(row.status, ""),
            "remaining": row.remaining,
            "pending_kind": row.pending_kind,
        }
        for row in page.rows
    ]
    counts = page.counts
    tabs = [
        ("all", _("All"), counts.get("all", 0), {"assigned": work_queue.ALL}),
        ("mine", _("Assigned to me"), counts.get("mine", 0), {"assigned": work_queue.MINE}),
        (
            "unassigned",
            _("Not assigned"),
            counts.get("unassigned", 0),
            {"assigned": work_queue.UNASSIGNED},
        ),
    ]
    departments = (
        Department.objects.filter(agency_id=agency_id, is_one_stop_desk=False).order_by("name")
        if leader
        else Department.objects.none()
    )
    specialists = (
        User.objects.filter(agency_id=agency_id, groups__name=Role.SPECIALIST.value, is_active=True)
        .distinct()
        .order_by("full_name")
        if leader
        else User.objects.none()
    )
    filter_params = filters.as_params()
    context = {
        "page": page,
        "rows": rows,
        "filters": filters,
        "is_leader": leader,
        "tabs": [
            {
                "id": key,
                "label": label,
                "count": count,
                "query": urlencode(filters.with_changes(**change)),
                "current": filters.assigned == change["assigned"],
            }
            for key, label, count, change in tabs
        ],
        "awaiting_query": urlencode(filters.with_changes(awaiting_approval=True)),
        "overdue_query": urlencode(filters.with_changes(due=work_queue.OVERDUE)),
        "at_risk_query": urlencode(filters.with_changes(due=work_queue.AT_RISK)),
        "departments": departments,
        "specialists": specialists,
        "next_query": urlencode({**filter_params, "sau": page.next_cursor})
        if page.next_cursor
        else "",
        "first_query": urlencode(filter_params),
        "has_filters": bool(filter_params),
        "result_label": _("Result awaiting approval"),
        "refusal_label": _("Refusal awaiting approval"),
        "unassigned_label": _("Not assigned"),
    }
    return render(request, "dossiers/processing/queue.html", context)


# --- The dossier page ----------------------------------------------------------------------


def _dossier_or_404(request: HttpRequest, pk: int) -> Dossier:
    dossier = work_queue.processing_dossier(user=_user(request), dossier_id=pk)
    if dossier is None:
        raise Http404(_("No dossier of your department has this number."))
    return dossier


def _proposals(dossier: Dossier) -> list[dict[str, Any]]:
    files: dict[int | None, list[Attachment]] = {}
    for attachment in dossier.attachments.filter(kind=Attachment.Kind.RESULT):
        files.setdefault(attachment.proposal_id, []).append(attachment)
    return [
        {"p": proposal, "files": files.get(proposal.pk, [])}
        for proposal in dossier.proposals.select_related("proposed_by", "decided_by").order_by(
            "-proposed_at", "-pk"
        )
    ]


def _render(
    request: HttpRequest, dossier: Dossier, *, forms: dict[str, DeskForm] | None = None
) -> HttpResponse:
    user = _user(request)
    forms = forms or {}
    documents, other_files = _documents_with_files(dossier)
    other_files = [a for a in other_files if a.kind != Attachment.Kind.RESULT]
    moments = desk_queue.Moments.at()
    status = desk_queue.deadline_status(dossier, moments)
    processing_now = dossier.state == Dossier.State.PROCESSING and dossier.department_id
    proposals = _proposals(dossier)
    pending = next((p["p"] for p in proposals if p["p"].status == Proposal.Status.PENDING), None)
    leader = processing.is_agency_leader(user, dossier)
    specialist = processing.is_department_specialist(user, dossier)
    can_handle = bool(processing_now and not pending and processing.can_handle(user, dossier))
    specialists = work_queue.department_specialists(dossier)
    context = {
        "dossier": dossier,
        "version": dossier.procedure_version.data,
        "documents": documents,
        "other_files": other_files,
        "events": dossier.events.select_related("actor"),
        "proposals": proposals,
        "pending": pending,
        "deadline_status": status,
        "deadline_css": DEADLINE_BADGES.get(status, "badge-muted"),
        "deadline_label": deadline_labels().get(status, ""),
        "remaining": work_queue.remaining_text(dossier.due_at, moments.now)
        if dossier.state == Dossier.State.PROCESSING
        else "",
        "state_css": STATE_BADGES.get(dossier.state, "badge-muted"),
        "requires_approval": processing.requires_leader_approval(dossier),
        "is_leader": leader,
        "can_assign": bool(processing_now and leader),
        "can_take": bool(
            processing_now and specialist and dossier.assignee_id is None and not leader
        ),
        "can_handle": can_handle,
        "can_decide": bool(pending and leader),
        "assign_form": forms.get("assign_form") or AssignForm(specialists=specialists),
        "result_form": forms.get("result_form") or ResultForm(),
        "refusal_form": forms.get("refusal_form") or RefusalProposalForm(),
        "decision_form": forms.get("decision_form") or DecisionForm(),
        "can_stop": bool(
            leader
            and dossier.accepted_at
            and dossier.state in (Dossier.State.PROCESSING, Dossier.State.INCOMPLETE)
        ),
        "stop_form": forms.get("stop_form") or StopForm(),
    }
    return render(request, "dossiers/processing/dossier.html", context)


@never_cache
@require_safe
@processing_required
def dossier(request: HttpRequest, pk: int) -> HttpResponse:
    found = _dossier_or_404(request, pk)
    audit.staff_access_record(user=_user(request), dossier_id=found.pk, ip=client_ip(request))
    return _render(request, found)


def _act(
    request: HttpRequest,
    dossier: Dossier,
    action: Callable[[], object],
    *,
    form_name: str,
    form: DeskForm,
    fallback: str | None,
    success: str,
) -> HttpResponse:
    try:
        action()
    except DossierValidationError as error:
        messages.error(request, error.message)
        form.add_service_errors(error, fallback)
        return _render(request, _dossier_or_404(request, dossier.pk), forms={form_name: form})
    except selectors.DossierNotFound as error:
        raise Http404(error.message) from error
    except DossierError as error:
        messages.error(request, error.message)
        return redirect("desk:processing_dossier", pk=dossier.pk)
    messages.success(request, success)
    return redirect("desk:processing_dossier", pk=dossier.pk)


def _invalid(request: HttpRequest, dossier: Dossier, form_name: str, form: DeskForm) -> Any:
    messages.error(request, _("Please correct the problems below."))
    return _render(request, dossier, forms={form_name: form})


@require_POST
@processing_required
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = _dossier_or_404(request, pk)
    form = AssignForm(request.POST, specialists=work_queue.department_specialists(dossier))
    if not form.is_valid():
        return _invalid(request, dossier, "assign_form", form)
    assignee = form.cleaned_data["assignee"]
    return _act(
        request,
        dossier,
        lambda: processing.dossier_assign(dossier_id=pk, actor=_user(request), assignee=assignee),
        form_name="assign_form",
        form=form,
        fallback="assignee",
        success=_("Dossier %(code)s assigned to %(name)s.")
        % {"code": dossier.code, "name": assignee.full_name},
    )


@require_POST
@processing_required
def take(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = _dossier_or_404(request, pk)
    user = _user(request)
    return _act(
        request,
        dossier,
        lambda: processing.dossier_assign(dossier_id=pk, actor=user, assignee=user),
        form_name="assign_form",
        form=DeskForm(),
        fallback=None,
        success=_("Dossier %(code)s is now yours.") % {"code": dossier.code},
    )


@require_POST
@processing_required
def propose_result(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = _dossier_or_404(request, pk)
    form = ResultForm(request.POST, request.FILES)
    if not form.is_valid():
        return _invalid(request, dossier, "result_form", form)
    user = _user(request)
    needs_leader = processing.requires_leader_approval(dossier) and not processing.is_agency_leader(
        user, dossier
    )
    return _act(
        request,
        dossier,
        lambda: processing.dossier_propose_result(
            dossier_id=pk,
            actor=user,
            result_text=form.cleaned_data["result_text"],
            files=form.cleaned_data["result_files"],
        ),
        form_name="result_form",
        form=form,
        fallback="result_text",
        success=_("The result has been sent to a leader for approval.")
        if needs_leader
        else _("Dossier %(code)s is done: the applicant has been told the result is ready.")
        % {"code": dossier.code},
    )


@require_POST
@processing_required
def propose_refusal(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = _dossier_or_404(request, pk)
    form = RefusalProposalForm(request.POST)
    if not form.is_valid():
        return _invalid(request, dossier, "refusal_form", form)
    user = _user(request)
    leader = processing.is_agency_leader(user, dossier)
    return _act(
        request,
        dossier,
        lambda: processing.dossier_propose_refusal(
            dossier_id=pk, actor=user, reasons=form.cleaned_data["reasons"]
        ),
        form_name="refusal_form",
        form=form,
        fallback="reasons",
        success=_("Dossier %(code)s has been returned to the applicant with the reasons.")
        % {"code": dossier.code}
        if leader
        else _("The refusal has been sent to a leader for approval."),
    )


@require_POST
@leader_required
def stop(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = _dossier_or_404(request, pk)
    form = StopForm(request.POST)
    if not form.is_valid():
        return _invalid(request, dossier, "stop_form", form)
    return _act(
        request,
        dossier,
        lambda: stopping.dossier_stop(
            dossier_id=pk, leader=_user(request), reason=form.cleaned_data["reason"]
        ),
        form_name="stop_form",
        form=form,
        fallback="reason",
        success=_("The processing of dossier %(code)s has been stopped; the applicant is told why.")
        % {"code": dossier.code},
    )


@require_POST
@processing_required
def decide(request: HttpRequest, pk: int, proposal_pk: int) -> HttpResponse:
    dossier = _dossier_or_404(request, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _invalid(request, dossier, "decision_form", form)
    note = form.cleaned_data["note"]
    user = _user(request)
    if request.POST.get("decision") == "approve":
        return _act(
            request,
            dossier,
            lambda: processing.proposal_approve(
                dossier_id=pk, proposal_id=proposal_pk, leader=user, note=note
            ),
            form_name="decision_form",
            form=form,
            fallback="note",
            success=_("Approved: dossier %(code)s has been updated and the applicant told.")
            % {"code": dossier.code},
        )
    if request.POST.get("decision") == "send_back":
        return _act(
            request,
            dossier,
            lambda: processing.proposal_send_back(
                dossier_id=pk, proposal_id=proposal_pk, leader=user, note=note
            ),
            form_name="decision_form",
            form=form,
            fallback="note",
            success=_("The proposal has been sent back to the specialist."),
        )
    messages.error(request, _("Choose to approve or to send back."))
    return redirect("desk:processing_dossier", pk=pk)


# --- Leader dashboard ----------------------------------------------------------------------


@never_cache
@require_safe
@leader_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    figures = leader_dashboard.agency_dashboard(agency_id=cast(int, user.agency_id))
    return render(request, "dossiers/processing/dashboard.html", {"figures": figures})


# --- Results to hand over (desk) -----------------------------------------------------------


@never_cache
@require_safe
@desk_required
def handover_queue(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    page = leader_dashboard.results_to_hand_over(
        agency_id=cast(int, user.agency_id), after=request.GET.get("sau", "")
    )
    moments = desk_queue.Moments.at()
    labels = deadline_labels()
    rows = []
    for dossier in page.rows:
        status = desk_queue.deadline_status(dossier, moments)
        rows.append(
            {
                "d": dossier,
                "url": reverse("desk:handover", args=[dossier.pk]),
                "finished": _local(dossier.finished_at),
                "status_css": DEADLINE_BADGES.get(status, "badge-muted"),
                "status_label": labels.get(status, ""),
            }
        )
    return render(
        request,
        "dossiers/processing/handover_queue.html",
        {
            "rows": rows,
            "page": page,
            "next_query": urlencode({"sau": page.next_cursor}) if page.next_cursor else "",
        },
    )


def _handover_dossier(request: HttpRequest, pk: int) -> Dossier:
    dossier = selectors.desk_dossier(user=_user(request), dossier_id=pk)
    if dossier is None:
        raise Http404(_("No dossier of your agency has this number."))
    return dossier


def _render_handover(
    request: HttpRequest, dossier: Dossier, *, forms: dict[str, DeskForm] | None = None
) -> HttpResponse:
    forms = forms or {}
    results = dossier.attachments.filter(
        kind=Attachment.Kind.RESULT, proposal__status=Proposal.Status.APPROVED
    )
    delivery = getattr(dossier, "delivery", None) if dossier.delivered_at else None
    context = {
        "dossier": dossier,
        "results": results,
        "delivery": delivery,
        "can_deliver": dossier.state == Dossier.State.DONE and dossier.delivered_at is None,
        "post_form": forms.get("post_form") or PostForm(),
        "collect_form": forms.get("collect_form") or CollectForm(),
        "suggest_post": dossier.return_method == ReturnMethod.POST,
    }
    return render(request, "dossiers/processing/handover.html", context)


@never_cache
@require_safe
@desk_required
def handover(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_handover(request, _handover_dossier(request, pk))


def _deliver(
    request: HttpRequest,
    dossier: Dossier,
    *,
    form_name: str,
    form: DeskForm,
    action: Callable[[], object],
) -> HttpResponse:
    try:
        action()
    except DossierValidationError as error:
        messages.error(request, error.message)
        form.add_service_errors(error, None)
        return _render_handover(request, dossier, forms={form_name: form})
    except FeesOutstandingError as error:
        # Keep what was typed: the officer records the payment, then hands over.
        messages.error(request, error.message)
        return _render_handover(request, dossier, forms={form_name: form})
    except DossierError as error:
        messages.error(request, error.message)
        return redirect("desk:handover", pk=dossier.pk)
    messages.success(
        request, _("Recorded: the result of %(code)s was handed over.") % {"code": dossier.code}
    )
    return redirect("desk:handover", pk=dossier.pk)


@require_POST
@desk_required
def deliver_post(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = _handover_dossier(request, pk)
    form = PostForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please correct the problems below."))
        return _render_handover(request, dossier, forms={"post_form": form})
    values = form.cleaned_data
    return _deliver(
        request,
        dossier,
        form_name="post_form",
        form=form,
        action=lambda: processing.dossier_deliver(
            dossier_id=pk,
            actor=_user(request),
            method=ReturnMethod.POST,
            postal=processing.PostalDetails(
                tracking_number=values["tracking_number"],
                carrier=values["carrier"],
                posted_on=values["posted_on"],
            ),
        ),
    )


@require_POST
@desk_required
def deliver_desk(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = _handover_dossier(request, pk)
    form = CollectForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please correct the problems below."))
        return _render_handover(request, dossier, forms={"collect_form": form})
    values = form.cleaned_data
    return _deliver(
        request,
        dossier,
        form_name="collect_form",
        form=form,
        action=lambda: processing.dossier_deliver(
            dossier_id=pk,
            actor=_user(request),
            method=ReturnMethod.DESK,
            collector=processing.Collector(
                name=values["collector_name"],
                id_number=values["collector_id_number"],
                id_check_note=values["id_check_note"],
            ),
        ),
    )
