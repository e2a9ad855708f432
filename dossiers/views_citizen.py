"""Citizen pages of dossiers. For now only the entry to online submission."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from procedures import presenters, selectors

# What the upload step will accept: one scan or photo per document.
ACCEPTED_FILE_TYPES = ["PDF", "JPEG", "PNG"]


@require_safe
@login_required
def submit(request: HttpRequest, code: str) -> HttpResponse:
    """Start an online dossier: what to prepare, or why this procedure cannot be filed online."""
    procedure = selectors.procedure_for_public(code)
    if procedure is None or procedure.current_version is None:
        raise Http404(_("No published procedure has this code."))
    page = presenters.procedure_page(procedure.current_version.data)
    context = {
        "procedure": page,
        "detail_url": reverse("procedures:detail", kwargs={"code": procedure.code}),
        "agency_url": reverse("procedures:agency", kwargs={"code": page.agency.code}),
        "accepted_file_types": ", ".join(ACCEPTED_FILE_TYPES),
    }
    return render(request, "dossiers/submit_start.html", context)
