"""Pages of the citizen's document store. Only the owner ever reaches an entry: anybody else,
staff included, gets a 404, so nobody learns that a document exists by trying numbers."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from dossiers import presenters
from dossiers.errors import DossierError, DossierStateError, DossierValidationError
from dossiers.models import Dossier
from dossiers.views_citizen import INLINE_TYPES, private_file_response
from portal.models import User
from portal.params import page_number

from . import selectors, services
from .forms import StoreUploadForm
from .models import StoredDocument

DOCUMENTS_PER_PAGE = 20


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def document_row(item: StoredDocument, *, today: Any = None) -> dict[str, Any]:
    return {
        "item": item,
        "url": reverse("documents:file", kwargs={"pk": item.pk}),
        "size": presenters.file_size(item.size),
        "type": presenters.file_type(item.content_type),
        "issued_on": item.issued_on.strftime("%d/%m/%Y") if item.issued_on else "",
        "valid_until": item.valid_until.strftime("%d/%m/%Y") if item.valid_until else "",
        "expired": item.is_expired(today),
        "dossier_url": reverse("dossiers:detail", kwargs={"pk": item.dossier_id})
        if item.dossier_id
        else "",
    }


def _render_index(
    request: HttpRequest, form: StoreUploadForm | None = None, *, status: int = 200
) -> HttpResponse:
    today = timezone.localdate()
    documents = selectors.documents_of(_user(request)).order_by("-created_at", "-pk")
    page = Paginator(documents, DOCUMENTS_PER_PAGE).get_page(page_number(request.GET.get("trang")))
    rows = [document_row(item, today=today) for item in page.object_list]
    context = {
        "rows": rows,
        "page": page,
        "page_links": page.paginator.get_elided_page_range(page.number),
        "form": form or StoreUploadForm(),
        "max_file_mb": settings.DOSSIER_MAX_FILE_MB,
        "max_uploads": services.MAX_UPLOADS,
    }
    return render(request, "documents/index.html", context, status=status)


@require_safe
@login_required
def index(request: HttpRequest) -> HttpResponse:
    return _render_index(request)


@require_POST
@login_required
def upload(request: HttpRequest) -> HttpResponse:
    form = StoreUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            item = services.stored_document_upload(
                owner=_user(request), upload=form.cleaned_data["file"], details=form.details()
            )
        except DossierValidationError as err:
            for name, message in err.field_errors.items():
                form.add_error(name if name in form.fields else None, message)
            if not err.field_errors:
                form.add_error(None, err.message)
        else:
            messages.success(
                request, _("“%(kind)s” is kept in your document store.") % {"kind": item.kind}
            )
            return redirect("documents:index")
    return _render_index(request, form, status=400)


@require_safe
@login_required
def download(request: HttpRequest, pk: int) -> FileResponse:
    item = get_object_or_404(selectors.documents_of(_user(request)), pk=pk)
    return private_file_response(
        item.file,
        content_type=item.content_type,
        filename=item.original_name,
        inline=item.content_type in INLINE_TYPES,
    )


@require_POST
@login_required
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    get_object_or_404(selectors.documents_of(_user(request)), pk=pk)
    try:
        item = services.stored_document_delete(owner=_user(request), document_id=pk)
    except DossierError as err:
        messages.error(request, err.message)
    else:
        messages.success(
            request, _("“%(kind)s” has been deleted from your store.") % {"kind": item.kind}
        )
    return redirect("documents:index")


# --- The hook of the citizen's draft form --------------------------------------------------


def _digits(value: str) -> int | None:
    return int(value) if value.isascii() and value.isdigit() and len(value) < 12 else None


def take_from_store(request: HttpRequest, dossier: Dossier) -> bool:
    """The draft's "Use" button beside a required document: `from_store` = "document:entry",
    or "document" with the entry chosen in the list `store_pick_<document>`.

    Returns whether the button was pressed; the outcome is told in a message.
    """
    value = request.POST.get("from_store", "")
    if not value:
        return False
    document_part, _sep, entry_part = value.partition(":")
    if not entry_part:
        entry_part = request.POST.get(f"store_pick_{document_part}", "")
    document_id, entry_id = _digits(document_part), _digits(entry_part)
    if document_id is None or entry_id is None:
        messages.error(request, _("Choose a document from your store first."))
        return True
    try:
        attachment = services.store_take_into_draft(
            dossier_id=dossier.pk,
            actor=_user(request),
            document_id=document_id,
            stored_document_id=entry_id,
        )
    except (DossierValidationError, DossierStateError) as err:
        messages.error(request, err.message)
    else:
        messages.success(
            request,
            _("“%(name)s” from your document store is attached to “%(document)s”.")
            % {"name": attachment.original_name, "document": attachment.document_name[:120]},
        )
    return True
