"""The citizen's e-form page inside the draft: /ho-so-cua-toi/<pk>/to-khai/<document>/.

Only the dossier's own applicant reaches it (anybody else gets a 404); a submitted dossier
sends them back to its page.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from portal.models import User

from . import selectors, services
from .forms import EFormForm, initial_values, rows_for
from .schema import iter_fields


def _dossier(request: HttpRequest, pk: int) -> Any:
    from dossiers.models import Dossier

    return get_object_or_404(
        Dossier.objects.select_related("procedure", "procedure_version", "agency"),
        pk=pk,
        applicant=cast(User, request.user),
    )


def _error_summary(form: EFormForm) -> list[dict[str, str]]:
    items = [{"anchor": "", "text": str(error)} for error in form.non_field_errors()]
    for name, errors in form.errors.items():
        if name == "__all__":
            continue
        field = form[name]
        anchor = f"{field.auto_id}_0" if field.widget_type == "radioselect" else field.auto_id
        items.extend({"anchor": anchor, "text": f"{field.label}: {error}"} for error in errors)
    return items


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def fill(request: HttpRequest, pk: int, document_id: int) -> HttpResponse:
    from dossiers.models import Dossier

    dossier = _dossier(request, pk)
    if dossier.state != Dossier.State.DRAFT:
        return redirect("dossiers:detail", pk=dossier.pk)
    document = selectors.eform_document(dossier.procedure_version.data, document_id)
    if document is None:
        raise Http404(_("This procedure has no online form for this document."))
    definition = document["eform"]
    user = cast(User, request.user)
    entry = selectors.entries_by_document(dossier.pk).get(document_id)
    kept = entry.values if entry else {}

    if request.method != "POST":
        form = EFormForm(
            initial=initial_values(definition, kept, user=user),
            definition=definition,
            rows=rows_for(definition, kept),
        )
        return _render(request, dossier, document, form, entry=entry)

    # The rows the page showed, so that every row typed in is read back.
    rows = {}
    for spec in iter_fields(definition):
        if spec["type"] == "group":
            shown = request.POST.get(f"{spec['name']}__rows", "")
            rows[spec["name"]] = int(shown) if shown.isdigit() and 0 < int(shown) <= 20 else 1
    form = EFormForm(request.POST, definition=definition, rows=rows)
    add_row = request.POST.get("add_row", "")
    if add_row not in rows:
        add_row = ""
    try:
        result = services.eform_save(
            dossier_id=dossier.pk, document_id=document_id, actor=user, form=form, add_row=add_row
        )
    except services.EFormError as err:
        messages.error(request, err.message)
        return redirect("dossiers:detail", pk=dossier.pk)
    if add_row:
        return redirect(f"{request.path}#group-{add_row}")
    if not result.complete:
        return _render(request, dossier, document, form, entry=result.entry)
    messages.success(
        request,
        _("The form “%(title)s” is filled in. It will be printed and attached when you submit.")
        % {"title": definition["title"]},
    )
    # Back to the form's row of the draft, wherever the form page was scrolled to.
    return redirect(
        f"{reverse('dossiers:draft_edit', kwargs={'pk': dossier.pk})}#eform-{document_id}"
    )


def _render(
    request: HttpRequest,
    dossier: Any,
    document: dict[str, Any],
    form: EFormForm,
    *,
    entry: Any,
    status: int = 200,
) -> HttpResponse:
    context = {
        "dossier": dossier,
        "document": document,
        "definition": document["eform"],
        "agency": dossier.agency.name,
        "procedure_name": dossier.procedure_version.data.get("name", ""),
        "form": form,
        "sections": form.sections(),
        "error_summary": _error_summary(form) if form.is_bound and form.errors else [],
        "entry": entry,
    }
    return render(request, "eforms/fill.html", context, status=status)
