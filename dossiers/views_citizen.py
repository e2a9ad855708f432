"""Citizen pages of dossiers: online submission, "My dossiers", supplements, files.

Every page is for the dossier's own account only: anybody else gets a 404, so that nobody can
learn that a dossier exists by trying numbers. Views parse, call one service, and render.
"""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, F, IntegerField, QuerySet, Value, When
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from audit import selectors as audit_selectors
from eforms import presenters as eform_presenters
from portal.models import User
from portal.params import page_number
from procedures import presenters as procedure_presenters
from procedures import selectors as procedure_selectors
from procedures.models import ReturnMethod, ServiceLevel
from signing import results as signed_results

from . import explanation, notices, presenters, processing, services
from .errors import (
    DossierError,
    DossierStateError,
    DossierValidationError,
    FeesOutstandingError,
)
from .files import check_upload
from .forms import (
    DraftForm,
    SupplementForm,
    WithdrawForm,
    document_field_name,
    return_methods_for,
    uploadable_documents,
)
from .models import Attachment, Dossier, DossierEvent, Proposal

# What the upload step accepts: one scan or photo per document.
ACCEPTED_FILE_TYPES = ["PDF", "JPEG", "PNG"]
DOSSIERS_PER_PAGE = 20
# Shown inline by the browser; anything else is downloaded.
INLINE_TYPES = {"application/pdf", "image/jpeg", "image/png"}


def _user(request: HttpRequest) -> User:
    # Every view here is behind login_required.
    return cast(User, request.user)


def _mine(request: HttpRequest) -> QuerySet[Dossier]:
    """The person's own dossiers, whatever their roles: citizen pages never show others'."""
    return Dossier.objects.filter(applicant=_user(request)).select_related(
        "procedure", "procedure_version", "agency", "department"
    )


def _own_dossier(request: HttpRequest, pk: int) -> Dossier:
    return get_object_or_404(_mine(request), pk=pk)


# --- Start: /nop-ho-so/<code>/ -------------------------------------------------------------


@require_safe
@login_required
def submit(request: HttpRequest, code: str) -> HttpResponse:
    """Levels 3-4: open the person's draft for this procedure (a new one the first time).

    Levels 1-2: explain why the procedure cannot be filed online and where to go instead.
    """
    procedure = procedure_selectors.procedure_for_public(code)
    if procedure is None or procedure.current_version is None:
        raise Http404(_("No published procedure has this code."))
    if procedure.level >= ServiceLevel.PARTLY_ONLINE:
        # A refresh or a second visit resumes the draft instead of starting another one.
        draft = (
            _mine(request)
            .filter(procedure=procedure, state=Dossier.State.DRAFT)
            .order_by("-created_at", "-pk")
            .first()
        )
        if draft is None:
            try:
                draft = services.dossier_create_draft(procedure=procedure, applicant=_user(request))
            except DossierValidationError as err:
                messages.error(request, err.message)
                return redirect(procedure.get_absolute_url())
        return redirect("dossiers:draft_edit", pk=draft.pk)
    page = procedure_presenters.procedure_page(procedure.current_version.data)
    context = {
        "procedure": page,
        "detail_url": procedure.get_absolute_url(),
        "agency_url": reverse("procedures:agency", kwargs={"code": page.agency.code}),
    }
    return render(request, "dossiers/citizen/submit_unavailable.html", context)


# --- The draft: /ho-so-cua-toi/<pk>/soan/ ---------------------------------------------------


def _draft_initial(dossier: Dossier) -> dict[str, Any]:
    methods = return_methods_for(dossier.procedure_version.data)
    return {
        "applicant_name": dossier.applicant_name,
        "applicant_national_id": dossier.applicant_national_id,
        "applicant_phone": dossier.applicant_phone,
        "applicant_email": dossier.applicant_email,
        "applicant_address": dossier.applicant_address,
        "on_behalf_of": dossier.on_behalf_of,
        "return_method": dossier.return_method if dossier.return_method in methods else methods[0],
        "postal_address": dossier.postal_address,
        "agency": dossier.agency_id,
    }


def _attachment_row(dossier: Dossier, attachment: Attachment) -> dict[str, Any]:
    return {
        "attachment": attachment,
        "url": reverse("dossiers:attachment", kwargs={"pk": dossier.pk, "file_pk": attachment.pk}),
        "size": presenters.file_size(attachment.size),
        "type": presenters.file_type(attachment.content_type),
        "uploaded_at": presenters.when(attachment.uploaded_at),
    }


def _document_rows(dossier: Dossier, form: DraftForm) -> list[dict[str, Any]]:
    """Every document of the version snapshot, with its file input and the file already sent."""
    data = dossier.procedure_version.data
    page = procedure_presenters.procedure_page(data)
    uploaded = {
        attachment.document_id: attachment
        for attachment in dossier.attachments.filter(kind=Attachment.Kind.DOCUMENT)
    }
    uploadable = {document["id"] for document in uploadable_documents(data)}
    eforms = eform_presenters.draft_rows(dossier)
    rows = []
    for raw, display in zip(data.get("documents", []), page.documents, strict=True):
        document_id = raw.get("id")
        attachment = uploaded.get(document_id)
        rows.append(
            {
                "document_id": document_id,
                "display": display,
                "field": form[document_field_name(document_id)]
                if document_id in uploadable
                else None,
                "present_only": document_id not in uploadable and document_id not in eforms,
                "eform": eforms.get(document_id),
                "file": _attachment_row(dossier, attachment) if attachment else None,
            }
        )
    return rows


def _error_summary(form: DraftForm) -> list[dict[str, str]]:
    """Links from the summary at the top to each field with a problem."""
    items = [{"anchor": "", "text": str(error)} for error in form.non_field_errors()]
    for name, errors in form.errors.items():
        if name == "__all__":
            continue
        field = form[name]
        anchor = f"id_{name}_0" if name == "return_method" else field.auto_id
        for error in errors:
            items.append({"anchor": anchor, "text": f"{field.label}: {error}"})
    return items


def _apply_submit_errors(form: DraftForm, dossier: Dossier, err: DossierValidationError) -> None:
    form.add_error(None, err.message)
    for key, message in err.field_errors.items():
        if key == "documents":
            for document in services.missing_documents(dossier):
                form.add_error(
                    document_field_name(document["id"]),
                    _("Attach a file for this required document."),
                )
        elif key == "applicant":
            form.add_error("applicant_name", message)
        elif key in form.fields:
            form.add_error(key, message)
        else:
            form.add_error(None, message)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def draft_edit(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = _own_dossier(request, pk)
    if dossier.state != Dossier.State.DRAFT:
        return redirect("dossiers:detail", pk=dossier.pk)
    data = dossier.procedure_version.data
    user = _user(request)
    agencies = services.filing_agencies(dossier.procedure)
    if request.method != "POST":
        form = DraftForm(initial=_draft_initial(dossier), version_data=data, agencies=agencies)
        return _render_draft(request, dossier, form)

    form = DraftForm(request.POST, request.FILES, version_data=data, agencies=agencies)
    typed_ok = form.is_valid()
    # Each file on its own: a bad one is reported next to its document, the others are kept.
    file_errors: dict[str, str] = {}
    for document_id, upload in form.uploads().items():
        try:
            services.attachment_add(
                dossier_id=dossier.pk, actor=user, document_id=document_id, upload=upload
            )
        except DossierValidationError as err:
            file_errors[document_field_name(document_id)] = err.message
        except DossierStateError as err:
            messages.error(request, err.message)
            return redirect("dossiers:detail", pk=dossier.pk)
    for name, message in file_errors.items():
        form.add_error(name, message)
    removed = _remove_file(request, dossier, user)
    from documents.views import take_from_store  # the store builds on dossiers

    taken = take_from_store(request, dossier)

    try:
        if typed_ok:
            services.dossier_update_draft(
                dossier_id=dossier.pk,
                actor=user,
                applicant_details=form.applicant(),
                return_method=form.cleaned_data["return_method"],
                postal_address=form.cleaned_data.get("postal_address") or "",
                agency_id=form.cleaned_data.get("agency"),
            )
        if typed_ok and not file_errors and request.POST.get("action") == "submit":
            services.dossier_submit(
                dossier_id=dossier.pk,
                actor=user,
                declaration=bool(form.cleaned_data.get("declaration")),
            )
            return redirect("dossiers:submitted", pk=dossier.pk)
    except DossierValidationError as err:
        dossier.refresh_from_db()
        _apply_submit_errors(form, dossier, err)
    except DossierStateError as err:
        messages.error(request, err.message)
        return redirect("dossiers:detail", pk=dossier.pk)

    if form.errors:
        dossier.refresh_from_db()
        return _render_draft(request, dossier, form)
    if removed is None and not taken:
        messages.success(
            request, _("Your draft is saved. You can come back and finish it at any time.")
        )
    return redirect("dossiers:draft_edit", pk=dossier.pk)


def _remove_file(request: HttpRequest, dossier: Dossier, user: User) -> Attachment | None:
    """The "Remove" button beside a file: that file goes, the rest of the form is saved."""
    value = request.POST.get("remove_file", "")
    if not value:
        return None
    try:
        removed = services.attachment_remove(
            dossier_id=dossier.pk,
            actor=user,
            attachment_id=int(value) if value.isdigit() and len(value) < 12 else 0,
        )
    except DossierError as err:
        messages.error(request, err.message)
        return None
    messages.success(
        request, _("The file “%(name)s” has been removed.") % {"name": removed.original_name}
    )
    return removed


def _render_draft(request: HttpRequest, dossier: Dossier, form: DraftForm) -> HttpResponse:
    data = dossier.procedure_version.data
    page = procedure_presenters.procedure_page(data)
    context = {
        "dossier": dossier,
        "procedure": page,
        "detail_url": dossier.procedure.get_absolute_url(),
        "form": form,
        "documents": _document_rows(dossier, form),
        "agency_field": form["agency"] if "agency" in form.fields else None,
        "applicant_fields": [
            form[name]
            for name in (
                "applicant_name",
                "applicant_national_id",
                "applicant_phone",
                "applicant_email",
                "applicant_address",
            )
        ],
        "error_summary": _error_summary(form) if form.errors else [],
        "is_level4": data.get("level", 0) >= ServiceLevel.FULLY_ONLINE,
        "only_desk": return_methods_for(data) == [ReturnMethod.DESK],
        "accepted_file_types": ", ".join(ACCEPTED_FILE_TYPES),
        "max_file_mb": settings.DOSSIER_MAX_FILE_MB,
        "max_total_mb": settings.DOSSIER_MAX_TOTAL_MB,
    }
    return render(request, "dossiers/citizen/draft_edit.html", context)


@require_POST
@login_required
def discard(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = _own_dossier(request, pk)
    try:
        services.dossier_discard_draft(dossier_id=dossier.pk, actor=_user(request))
    except DossierError as err:
        messages.error(request, err.message)
        return redirect("dossiers:detail", pk=dossier.pk)
    messages.success(request, _("The draft has been deleted."))
    return redirect("dossiers:mine")


# --- After submission: /ho-so-cua-toi/<pk>/da-nop/ -----------------------------------------


@require_safe
@login_required
def submitted(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = _own_dossier(request, pk)
    if dossier.state == Dossier.State.DRAFT:
        return redirect("dossiers:draft_edit", pk=dossier.pk)
    data = dossier.procedure_version.data
    context = {
        "dossier": dossier,
        "procedure": procedure_presenters.procedure_page(data),
        "submitted_at": presenters.when(dossier.submitted_at),
        "check_by": presenters.when(presenters.desk_check_by(dossier)),
        "is_level4": data.get("level", 0) >= ServiceLevel.FULLY_ONLINE,
    }
    return render(request, "dossiers/citizen/submitted.html", context)


# --- My dossiers: /ho-so-cua-toi/ -----------------------------------------------------------


@require_safe
@login_required
def mine(request: HttpRequest) -> HttpResponse:
    dossiers = (
        _mine(request)
        .annotate(
            draft_first=Case(
                When(state=Dossier.State.DRAFT, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("draft_first", F("submitted_at").desc(nulls_last=True), "-created_at", "-pk")
    )
    page = Paginator(dossiers, DOSSIERS_PER_PAGE).get_page(page_number(request.GET.get("trang")))
    rows = []
    for dossier in page.object_list:
        # Lists need no timeline: the status of a dossier comes from its own columns here.
        status = presenters.dossier_status(dossier, [], fee_awaited=_fee_awaited(dossier))
        rows.append(
            {
                "dossier": dossier,
                "procedure_name": dossier.procedure_version.data.get("name")
                or dossier.procedure.name,
                "status": status,
                "appointment": presenters.when(dossier.appointment_at),
                "submitted_at": presenters.day(dossier.submitted_at),
                "created_at": presenters.day(dossier.created_at),
                "url": reverse(
                    "dossiers:draft_edit"
                    if dossier.state == Dossier.State.DRAFT
                    else "dossiers:detail",
                    kwargs={"pk": dossier.pk},
                ),
            }
        )
    context = {
        "page": page,
        "page_links": page.paginator.get_elided_page_range(page.number),
        "rows": rows,
    }
    return render(request, "dossiers/citizen/mine.html", context)


def _fee_awaited(dossier: Dossier) -> int:
    from payments.selectors import fee_awaited_before_acceptance  # payments builds on dossiers

    return fee_awaited_before_acceptance(dossier)


# --- One dossier: /ho-so-cua-toi/<pk>/ ------------------------------------------------------


def _supplement_documents(dossier: Dossier, events: list[DossierEvent]) -> list[dict[str, Any]]:
    request_ = presenters.supplement_request(dossier, events)
    if request_ is None:
        return []
    asked = [d for d in request_.documents if d.get("form") != "present"]
    # A request with only a note: any document may be sent again.
    return asked or uploadable_documents(dossier.procedure_version.data)


def _store_choices(request: HttpRequest) -> list[tuple[int, str]]:
    """The citizen's valid stored documents, as the supplement form offers them."""
    from documents.selectors import usable_documents_of  # the store builds on dossiers

    return [
        (item.pk, f"{item.kind[:60]} – {item.original_name}")
        for item in usable_documents_of(_user(request))
    ]


def _render_detail(
    request: HttpRequest,
    dossier: Dossier,
    *,
    supplement_form: SupplementForm | None = None,
    withdraw_form: WithdrawForm | None = None,
    status_code: int = 200,
) -> HttpResponse:
    events = list(dossier.events.all())
    can_supplement = dossier.state == Dossier.State.INCOMPLETE
    if can_supplement and supplement_form is None:
        supplement_form = SupplementForm(
            documents=_supplement_documents(dossier, events), stored=_store_choices(request)
        )
    can_withdraw = dossier.state in (Dossier.State.RECEIVED, Dossier.State.INCOMPLETE)
    if can_withdraw and withdraw_form is None:
        withdraw_form = WithdrawForm()
    files = [
        {**_attachment_row(dossier, attachment), "kind": attachment.get_kind_display()}
        for attachment in _citizen_files(dossier)
    ]
    results = [
        {
            **_attachment_row(dossier, attachment),
            "url": reverse("dossiers:result", kwargs={"pk": dossier.pk, "file_pk": attachment.pk}),
            "signature": signed_results.signature_state(attachment),
        }
        for attachment in result_files(dossier)
    ]
    notice_rows = [
        {
            "notice": item,
            "created_at": presenters.when(item.created_at),
            "url": reverse("dossiers:notice", kwargs={"pk": dossier.pk, "notice_pk": item.pk}),
        }
        for item in notices.notices_for(dossier)
    ]
    context = {
        "dossier": dossier,
        "procedure": procedure_presenters.procedure_page(dossier.procedure_version.data),
        "status": presenters.dossier_status(dossier, events, fee_awaited=_fee_awaited(dossier)),
        "timeline": presenters.dossier_timeline(dossier, events),
        "supplement_request": presenters.supplement_request(dossier, events),
        "supplement_form": supplement_form if can_supplement else None,
        "withdraw_form": withdraw_form if can_withdraw else None,
        "files": files,
        "results": results,
        "notices": notice_rows,
        "submitted_at": presenters.when(dossier.submitted_at),
        "appointment": presenters.when(dossier.appointment_at),
        "legal_due": presenters.when(dossier.due_at)
        if dossier.due_at and dossier.due_at != dossier.appointment_at
        else "",
        "explanation": explanation.explain_due(dossier),
        "opened_by": audit_selectors.units_that_opened(dossier_id=dossier.pk),
    }
    return render(request, "dossiers/citizen/detail.html", context, status=status_code)


def _citizen_files(dossier: Dossier) -> QuerySet[Attachment]:
    # Answers exchanged between agencies during a hand-off are their working papers; results
    # reach the citizen through `result` only, once approved.
    return dossier.attachments.exclude(kind__in=[Attachment.Kind.HANDOFF, Attachment.Kind.RESULT])


@require_safe
@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _own_dossier(request, pk))


@require_POST
@login_required
def supplement(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = _own_dossier(request, pk)
    events = list(dossier.events.all())
    form = SupplementForm(
        request.POST,
        request.FILES,
        documents=_supplement_documents(dossier, events),
        stored=_store_choices(request),
    )
    if form.is_valid():
        uploads = form.uploads()
        # Checked one by one first, so that each problem shows next to its document.
        for document_id, upload in uploads.items():
            try:
                check_upload(upload, dossier=dossier)
            except DossierValidationError as err:
                form.add_error(document_field_name(document_id), err.message)
        if not uploads and not form.from_store():
            form.add_error(None, _("Attach at least one file."))
    if form.is_valid():
        try:
            services.dossier_supplement(
                dossier_id=dossier.pk,
                actor=_user(request),
                files=form.uploads(),
                note=form.cleaned_data.get("note") or "",
                from_store=form.from_store(),
            )
        except DossierValidationError as err:
            form.add_error(None, err.message)
        except DossierStateError as err:
            messages.error(request, err.message)
            return redirect("dossiers:detail", pk=dossier.pk)
        else:
            messages.success(
                request, _("Thank you. The documents have been sent with your dossier.")
            )
            return redirect("dossiers:detail", pk=dossier.pk)
    return _render_detail(request, dossier, supplement_form=form)


@require_POST
@login_required
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = _own_dossier(request, pk)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, dossier, withdraw_form=form)
    try:
        services.dossier_withdraw(
            dossier_id=dossier.pk, actor=_user(request), reason=form.cleaned_data["reason"]
        )
    except DossierError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, _("Your dossier has been withdrawn."))
    return redirect("dossiers:detail", pk=dossier.pk)


# --- Files: /ho-so-cua-toi/<pk>/tep/<file_pk>/ ---------------------------------------------


def private_file_response(
    file: Any, *, content_type: str, filename: str, inline: bool
) -> FileResponse:
    """A private file: never cached by proxies, never sniffed into something else."""
    response = FileResponse(
        file.open("rb"), content_type=content_type, as_attachment=not inline, filename=filename
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
@login_required
def attachment(request: HttpRequest, pk: int, file_pk: int) -> FileResponse:
    dossier = _own_dossier(request, pk)
    # Result files are handed over through `result` only, once approved.
    item = get_object_or_404(_citizen_files(dossier), pk=file_pk)
    return private_file_response(
        item.file,
        content_type=item.content_type,
        filename=item.original_name,
        inline=item.content_type in INLINE_TYPES,
    )


@require_safe
@login_required
def notice(request: HttpRequest, pk: int, notice_pk: int) -> FileResponse:
    dossier = _own_dossier(request, pk)
    item = get_object_or_404(notices.notices_for(dossier), pk=notice_pk)
    response = notices.notice_file_response(item)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- The result: /ho-so-cua-toi/<pk>/ket-qua/<file_pk>/ ----------------------------------------


def result_files(dossier: Dossier) -> QuerySet[Attachment]:
    """Approved result files the owner may download: level 4 online delivery, once done."""
    if dossier.state != Dossier.State.DONE or dossier.return_method != ReturnMethod.ONLINE:
        return Attachment.objects.none()
    return dossier.attachments.filter(
        kind=Attachment.Kind.RESULT, proposal__status=Proposal.Status.APPROVED
    )


@never_cache
@require_safe
@login_required
def result(request: HttpRequest, pk: int, file_pk: int) -> HttpResponseBase:
    """The owner downloads the result; the first download is the delivery (rule 10)."""
    dossier = _own_dossier(request, pk)
    item = get_object_or_404(result_files(dossier), pk=file_pk)
    signed = signed_results.signed_result(item)
    if signed is signed_results.NOT_READY:
        messages.info(
            request, _("The result is being digitally signed. Please download it again shortly.")
        )
        return redirect("dossiers:detail", pk=dossier.pk)
    if dossier.delivered_at is None:
        try:
            processing.dossier_deliver(
                dossier_id=dossier.pk, actor=_user(request), method=ReturnMethod.ONLINE
            )
        except FeesOutstandingError as error:
            messages.error(request, error.message)
            return redirect("dossiers:detail", pk=dossier.pk)
        except DossierStateError:
            pass  # a download a moment ago delivered it already: that is fine
    if signed is not None:
        return private_file_response(
            signed, content_type="application/pdf", filename=item.original_name, inline=False
        )
    return private_file_response(
        item.file, content_type=item.content_type, filename=item.original_name, inline=False
    )
