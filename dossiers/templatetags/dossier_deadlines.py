"""The deadline actions (pauses, hand-offs, apologies, "why this date") on other staff pages."""

from __future__ import annotations

from typing import Any

from django import template

from dossiers.models import Dossier

register = template.Library()


@register.inclusion_tag("dossiers/handling/_actions.html", takes_context=True)
def deadline_actions(context: template.Context, dossier: Dossier) -> dict[str, Any]:
    from dossiers.views_handling import handling_context  # views import the models

    request = context["request"]
    values = handling_context(request.user, dossier)
    values.update({"request": request, "on_processing_page": True})
    if "csrf_token" in context:
        values["csrf_token"] = context["csrf_token"]
    return values
