"""The store's part of the citizen's draft form: documents that can be taken in one click."""

from __future__ import annotations

from typing import Any

from django import template

from ..selectors import usable_documents_of

register = template.Library()


def _matches(kind: str, document_name: str) -> bool:
    a, b = kind.casefold().strip(), document_name.casefold().strip()
    return bool(a) and (a == b or (len(a) >= 6 and (a in b or b in a)))


@register.inclusion_tag("documents/_draft_choices.html", takes_context=True)
def store_choices(
    context: template.Context, document_id: int, document_name: str
) -> dict[str, Any]:
    """The person's valid stored documents: those named like this document first, as buttons."""
    cache = context.render_context
    if "store_documents" not in cache:
        request = context.get("request")
        user = getattr(request, "user", None)
        cache["store_documents"] = list(usable_documents_of(user)) if user else []
    entries = cache["store_documents"]
    suggested = [item for item in entries if _matches(item.kind, document_name)]
    others = [item for item in entries if item not in suggested]
    return {
        "document_id": document_id,
        "document_name": document_name,
        "suggested": suggested,
        "others": others,
    }
