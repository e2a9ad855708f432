"""Processing pages under /can-bo/xu-ly/: the handling department pauses the clock, hands
steps to other units and drafts apologies; leaders approve; receiving units see what was
handed to them. Views parse, call one service and redirect (POST/redirect/GET).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from audit import services as audit
from portal.models import Department, User
from portal.roles import Role

from . import apologies, clock, explanation, handoffs, notices, selectors, work_queue
from .errors import DossierError, DossierValidationError
from .forms_desk import DeskForm, SupplementRequestForm
from .forms_handling import ApologyForm, HandoffForm, HandoffReturnForm, SendBackForm
from .models import Apology, Dossier, Handoff
from .presenters import STATE_BADGES
from .ratelimit import client_ip
from .staff_access import is_handling_staff, is_leader_of, is_receiving_staff
from .views_desk import staff_role_required

processing_staff = staff_role_required(Role.SPECIALIST, Role.LEADER)


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _dossier_or_404(request: HttpRequest, pk: int) -> Dossier:
    dossier = selectors.staff_dossier(user=_user(request), dossier_id=pk)
    if dossier is None:
        raise Http404(_("No dossier you may see has this number."))
    return dossier


def _handoff_or_404(request: HttpRequest, pk: int) -> Handoff:
    """A hand-off of a dossier the user may see (the lead agency or the receiving unit)."""
    found = Handoff.objects.filter(pk=pk).select_related("dossier").first()
    if (
        found is None
        or selectors.staff_dossier(user=_user(request), dossier_id=found.dossier_id) is None
    ):
        raise Http404(_("No such hand-off."))
    return found


def _target_departments(dossier: Dossier) -> Any:
    departments = Department.objects.filter(is_one_stop_desk=False)
    if dossier.department_id:
        departments = departments.exclude(pk=dossier.department_id)
    return departments.select_related("agency").order_by("agency__name", "name")


def handling_context(
    user: User, dossier: Dossier, *, forms: dict[str, DeskForm] | None = None
) -> dict[str, Any]:
    """What the deadline actions need, on this page and on the processing page."""
    forms = forms or {}
    data = dossier.procedure_version.data
    handling = is_handling_staff(user, dossier)
    leader = is_leader_of(user, dossier)
    current = handoffs.open_handoff(dossier)
    all_handoffs = list(
        dossier.handoffs.select_related(
            "to_department", "to_agency", "from_department", "giver", "receiver", "outcome_file"
        )
    )
    mine = [handoff for handoff in all_handoffs if is_receiving_staff(user, handoff)]
    lead_side = user.agency_id == dossier.agency_id
    lateness = apologies.lateness(dossier)
    pending = (
        dossier.apologies.filter(status=Apology.Status.PENDING).select_related("drafted_by").first()
    )
    processing = dossier.state == Dossier.State.PROCESSING and dossier.forwarded_at is not None
    return {
        "dossier": dossier,
        "version": data,
        "state_badge": STATE_BADGES.get(dossier.state, "badge-muted"),
        "lead_side": lead_side,
        "handling": handling,
        "current_handoff": current,
        "handoffs": all_handoffs if lead_side else mine,
        "my_handoffs": [handoff for handoff in mine if handoff.is_open],
        "explanation": explanation.explain_due(dossier) if lead_side else None,
        "lateness": lateness,
        "pending_apology": pending,
        "can_pause": handling and processing and current is None,
        "can_handoff": handling and processing and current is None,
        "can_apologise": handling and bool(lateness) and pending is None,
        "can_decide_apology": leader and pending is not None and pending.drafted_by_id != user.pk,
        "supplement_form": forms.get("supplement_form")
        or SupplementRequestForm(documents=data.get("documents", [])),
        "handoff_form": forms.get("handoff_form")
        or HandoffForm(departments=_target_departments(dossier)),
        "return_form": forms.get("return_form") or HandoffReturnForm(),
        "apology_form": forms.get("apology_form") or ApologyForm(),
        "sendback_form": forms.get("sendback_form") or SendBackForm(),
    }


def _render(
    request: HttpRequest, dossier: Dossier, *, forms: dict[str, DeskForm] | None = None
) -> HttpResponse:
    context = handling_context(_user(request), dossier, forms=forms)
    lead_side = context["lead_side"]
    context.update(
        {
            "steps": handoffs.process_steps(dossier) if lead_side else [],
            "apologies": dossier.apologies.select_related("drafted_by", "decided_by")
            if lead_side
            else [],
            "pauses": dossier.pauses.all() if lead_side else [],
            "events": dossier.events.select_related("actor") if lead_side else [],
            "files": dossier.attachments.all(),
        }
    )
    return render(request, "dossiers/handling/dossier.html", context)


def _back(request: HttpRequest, dossier: Dossier) -> HttpResponse:
    """The lead agency goes back to its processing page, a receiving unit to this one."""
    if work_queue.processing_dossier(user=_user(request), dossier_id=dossier.pk) is not None:
        return redirect("desk:processing_dossier", pk=dossier.pk)
    return redirect("handling:dossier", pk=dossier.pk)


@never_cache
@require_safe
@processing_staff
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
    fallback_field: str | None,
    success: str,
) -> HttpResponse:
    """Run a service: success → message and redirect; invalid → the page with what was typed."""
    try:
        action()
    except DossierValidationError as error:
        messages.error(request, error.message)
        form.add_service_errors(error, fallback_field)
        return _render(request, _dossier_or_404(request, dossier.pk), forms={form_name: form})
    except selectors.DossierNotFound as error:
        raise Http404(error.message) from error
    except DossierError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return _back(request, dossier)


@require_POST
@processing_staff
def request_supplement(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = _dossier_or_404(request, pk)
    form = SupplementRequestForm(
        request.POST, documents=dossier.procedure_version.data.get("documents", [])
    )
    if not form.is_valid():
        return _render(request, dossier, forms={"supplement_form": form})
    return _act(
        request,
        dossier,
        lambda: clock.dossier_request_supplement_in_processing(
            dossier_id=dossier.pk,
            specialist=_user(request),
            document_ids=form.cleaned_data["documents"],
            note=form.cleaned_data["note"],
        ),
        form_name="supplement_form",
        form=form,
        fallback_field="note",
        success=_("The citizen was asked for a supplement; the processing clock is paused."),
    )


@require_POST
@processing_staff
def handoff_send(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = _dossier_or_404(request, pk)
    form = HandoffForm(request.POST, departments=_target_departments(dossier))
    if not form.is_valid():
        return _render(request, dossier, forms={"handoff_form": form})
    values = form.cleaned_data
    return _act(
        request,
        dossier,
        lambda: handoffs.handoff_send(
            dossier_id=dossier.pk,
            giver=_user(request),
            to_department=values["to_department"],
            task=values["task"],
            working_days=values["working_days"],
        ),
        form_name="handoff_form",
        form=form,
        fallback_field="task",
        success=_("The dossier was handed to %(unit)s.") % {"unit": values["to_department"].name},
    )


@never_cache
@require_safe
@processing_staff
def handoff(request: HttpRequest, pk: int) -> HttpResponse:
    found = _handoff_or_404(request, pk)
    return redirect(reverse("handling:dossier", kwargs={"pk": found.dossier_id}) + f"#handoff-{pk}")


@require_POST
@processing_staff
def handoff_receive(request: HttpRequest, pk: int) -> HttpResponse:
    found = _handoff_or_404(request, pk)
    return _act(
        request,
        found.dossier,
        lambda: handoffs.handoff_receive(handoff_id=pk, receiver=_user(request)),
        form_name="return_form",
        form=HandoffReturnForm(),
        fallback_field=None,
        success=_("Receipt acknowledged."),
    )


@require_POST
@processing_staff
def handoff_return(request: HttpRequest, pk: int) -> HttpResponse:
    found = _handoff_or_404(request, pk)
    form = HandoffReturnForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render(request, found.dossier, forms={"return_form": form})
    return _act(
        request,
        found.dossier,
        lambda: handoffs.handoff_return(
            handoff_id=pk,
            actor=_user(request),
            outcome=form.cleaned_data["outcome"],
            upload=form.cleaned_data["file"],
        ),
        form_name="return_form",
        form=form,
        fallback_field="file",
        success=_("The dossier was handed back to the lead agency."),
    )


@require_POST
@processing_staff
def apology_draft(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = _dossier_or_404(request, pk)
    form = ApologyForm(request.POST)
    if not form.is_valid():
        return _render(request, dossier, forms={"apology_form": form})
    return _act(
        request,
        dossier,
        lambda: apologies.apology_draft(
            dossier_id=dossier.pk,
            specialist=_user(request),
            reason=form.cleaned_data["reason"],
            new_date=form.cleaned_data["new_date"],
        ),
        form_name="apology_form",
        form=form,
        fallback_field="new_date",
        success=_("The apology was sent to the leader for approval."),
    )


def _apology_or_404(request: HttpRequest, pk: int) -> Apology:
    found = Apology.objects.filter(pk=pk).select_related("dossier").first()
    if (
        found is None
        or selectors.staff_dossier(user=_user(request), dossier_id=found.dossier_id) is None
    ):
        raise Http404(_("No such apology."))
    return found


@require_POST
@staff_role_required(Role.LEADER)
def apology_approve(request: HttpRequest, pk: int) -> HttpResponse:
    found = _apology_or_404(request, pk)
    return _act(
        request,
        found.dossier,
        lambda: apologies.apology_approve(apology_id=pk, leader=_user(request)),
        form_name="sendback_form",
        form=SendBackForm(),
        fallback_field=None,
        success=_("Approved: the citizen receives the apology with the new appointment."),
    )


@require_POST
@staff_role_required(Role.LEADER)
def apology_send_back(request: HttpRequest, pk: int) -> HttpResponse:
    found = _apology_or_404(request, pk)
    form = SendBackForm(request.POST)
    if not form.is_valid():
        return _render(request, found.dossier, forms={"sendback_form": form})
    return _act(
        request,
        found.dossier,
        lambda: apologies.apology_send_back(
            apology_id=pk, leader=_user(request), note=form.cleaned_data["note"]
        ),
        form_name="sendback_form",
        form=form,
        fallback_field="note",
        success=_("The apology was sent back to the department."),
    )


@never_cache
@require_safe
@processing_staff
def control_slip(request: HttpRequest, pk: int) -> FileResponse:
    """The control slip PDF, for the lead agency (it names every officer who handled it)."""
    dossier = _dossier_or_404(request, pk)
    if _user(request).agency_id != dossier.agency_id:
        raise Http404(_("No dossier you may see has this number."))
    return notices.notice_file_response(notices.control_slip(dossier))


@never_cache
@require_safe
@processing_staff
def inbox(request: HttpRequest) -> HttpResponse:
    """Dossiers other agencies handed to the user's unit, open ones first."""
    rows = list(handoffs.handoffs_for_receiver(_user(request))[:200])
    return render(request, "dossiers/handling/inbox.html", {"handoffs": rows})
