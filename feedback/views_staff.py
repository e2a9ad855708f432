"""Staff pages under /can-bo/phan-anh/: the agency's queue by due time, one item, actions.

Every read goes through `selectors.feedback_visible_to`: staff of another agency get a 404.
Actions are POST, call one service and redirect back (POST/redirect/GET); a validation error
re-renders the page with what the officer typed.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from dossiers.views_citizen import private_file_response
from dossiers.views_desk import staff_role_required
from portal.models import User
from portal.roles import Role

from . import selectors, services
from .errors import FeedbackError
from .forms import AnswerForm, AssignForm, CloseForm, FeedbackForm, PublishForm, TransferForm
from .models import Feedback
from .privacy import mask_personal_data

staff_required = staff_role_required(Role.DESK_OFFICER, Role.SPECIALIST, Role.LEADER)


def _officer(request: HttpRequest) -> User:
    return cast(User, request.user)


def _item(request: HttpRequest, pk: int) -> Feedback:
    try:
        return selectors.feedback_for_staff(user=_officer(request), pk=pk)
    except Feedback.DoesNotExist:
        raise Http404 from None


@require_safe
@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    tab = request.GET.get("tab", "open")
    if tab not in selectors.QUEUE_TABS:
        tab = "open"
    items = list(selectors.feedback_queue(user=_officer(request), tab=tab)[:200])
    context = {
        "tab": tab,
        "tabs": [
            ("open", _("To answer")),
            ("answered", _("Answered")),
            ("done", _("Published or closed")),
            ("all", _("All")),
        ],
        "items": items,
        "counts": selectors.queue_counts(user=_officer(request)),
        "can_manage": selectors.can_manage(_officer(request)),
    }
    return render(request, "feedback/staff/queue.html", context)


def _render_detail(
    request: HttpRequest, feedback: Feedback, status: int = 200, **forms: Any
) -> HttpResponse:
    officer = _officer(request)
    manage = selectors.can_manage(officer)
    names = [feedback.sender_name]
    context: dict[str, Any] = {
        "feedback": feedback,
        "events": feedback.events.select_related("actor"),
        "can_manage": manage,
        "overdue": feedback.is_overdue,
    }
    if feedback.is_open:
        context["answer_form"] = forms.get("answer_form") or AnswerForm()
        if manage:
            context["assign_form"] = forms.get("assign_form") or AssignForm(
                agency_id=feedback.agency_id, initial={"department": feedback.department_id}
            )
            context["transfer_form"] = forms.get("transfer_form") or TransferForm(
                agency_id=feedback.agency_id
            )
    if manage and feedback.state == Feedback.State.ANSWERED and feedback.consent_to_publish:
        context["publish_form"] = forms.get("publish_form") or PublishForm(
            initial={
                "title": mask_personal_data(feedback.subject, names=names),
                "question": mask_personal_data(feedback.text, names=names),
                "answer": mask_personal_data(feedback.answer, names=names),
            }
        )
    if manage and feedback.state in (
        Feedback.State.RECEIVED,
        Feedback.State.ASSIGNED,
        Feedback.State.ANSWERED,
    ):
        context["close_form"] = forms.get("close_form") or CloseForm()
    response = render(request, "feedback/staff/detail.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
@staff_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _item(request, pk))


def _act(
    request: HttpRequest,
    pk: int,
    form: Any,
    form_name: str,
    action: Any,
    success: str,
) -> HttpResponse:
    feedback = _item(request, pk)
    if form.is_valid():
        try:
            action(feedback, form.cleaned_data)
        except FeedbackError as err:
            form.add_error(None, err.message)
        else:
            messages.success(request, success % {"code": feedback.code})
            return redirect("feedback:staff_detail", pk=pk)
    return _render_detail(request, feedback, status=400, **{form_name: form})


@require_POST
@staff_required
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    feedback = _item(request, pk)
    return _act(
        request,
        pk,
        AssignForm(request.POST, agency_id=feedback.agency_id),
        "assign_form",
        lambda f, data: services.feedback_assign(
            feedback_id=f.pk, actor=_officer(request), department=data["department"]
        ),
        _("Feedback %(code)s assigned."),
    )


@require_POST
@staff_required
def transfer(request: HttpRequest, pk: int) -> HttpResponse:
    feedback = _item(request, pk)
    form = TransferForm(request.POST, agency_id=feedback.agency_id)
    if form.is_valid():
        try:
            services.feedback_transfer(
                feedback_id=pk,
                actor=_officer(request),
                agency=form.cleaned_data["agency"],
                reason=form.cleaned_data["reason"],
            )
        except FeedbackError as err:
            form.add_error(None, err.message)
        else:
            # It has left this agency's queue: back to the queue, not to a page now hidden.
            messages.success(
                request,
                _("Feedback %(code)s transferred to %(agency)s.")
                % {"code": feedback.code, "agency": form.cleaned_data["agency"].name},
            )
            return redirect("feedback:staff_queue")
    return _render_detail(request, feedback, status=400, transfer_form=form)


@require_POST
@staff_required
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        AnswerForm(request.POST),
        "answer_form",
        lambda f, data: services.feedback_answer(
            feedback_id=f.pk, actor=_officer(request), answer=data["answer"]
        ),
        _("The answer to %(code)s has been sent to the sender."),
    )


@require_POST
@staff_required
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        PublishForm(request.POST),
        "publish_form",
        lambda f, data: services.feedback_publish(
            feedback_id=f.pk,
            actor=_officer(request),
            title=data["title"],
            question=data["question"],
            answer=data["answer"],
        ),
        _("Feedback %(code)s is published in the Q&A."),
    )


@require_POST
@staff_required
def close(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        CloseForm(request.POST),
        "close_form",
        lambda f, data: services.feedback_close(
            feedback_id=f.pk, actor=_officer(request), reason=data["reason"]
        ),
        _("Feedback %(code)s closed."),
    )


@require_safe
@staff_required
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    feedback = _item(request, pk)
    if not feedback.attachment:
        raise Http404
    return private_file_response(
        feedback.attachment,
        content_type=feedback.attachment_type,
        filename=feedback.attachment_name or "attachment",
        inline=True,
    )


@require_http_methods(["GET", "POST"])
@staff_role_required(Role.DESK_OFFICER, Role.LEADER)
def entry(request: HttpRequest) -> HttpResponse:
    """Feedback received by phone, e-mail or in writing, entered by an officer."""
    form = FeedbackForm(request.POST or None, request.FILES or None, staff_entry=True)
    if request.method == "POST" and form.is_valid():
        try:
            feedback = services.feedback_submit(
                data=form.to_input(),
                channel=form.cleaned_data["channel"],
                recorded_by=_officer(request),
            )
        except FeedbackError as err:
            form.add_error(None, err.message)
        else:
            messages.success(
                request,
                _("Feedback recorded with reference %(code)s; the sender has been told.")
                % {"code": feedback.code},
            )
            return redirect("feedback:staff_detail", pk=feedback.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "feedback/staff/entry.html", {"form": form}, status=status)
