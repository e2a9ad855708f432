"""Template tags of the feedback app."""

from __future__ import annotations

from typing import Any

from django import template

from dossiers.models import Dossier

from ..models import Rating

register = template.Library()


@register.inclusion_tag("feedback/_rating_prompt_box.html", takes_context=True)
def rating_prompt(context: dict[str, Any], dossier: Dossier) -> dict[str, Any]:
    """On the owner's dossier page: invite a rating once the result is ready, or show it."""
    request = context.get("request")
    user = getattr(request, "user", None)
    is_owner = bool(user and user.is_authenticated and dossier.applicant_id == user.pk)
    show = is_owner and dossier.state == Dossier.State.DONE
    rating = Rating.objects.filter(dossier=dossier).first() if show else None
    return {"show": show, "dossier": dossier, "rating": rating}


@register.filter
def star_range(value: int) -> range:
    return range(int(value or 0))
