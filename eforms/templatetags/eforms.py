"""The e-forms of a dossier as data, for the desk's and the specialist's dossier pages."""

from __future__ import annotations

from typing import Any

from django import template

from ..presenters import entry_sections
from ..selectors import eform_documents, entries_by_document

register = template.Library()


@register.inclusion_tag("eforms/_dossier_data.html")
def eform_data(dossier: Any) -> dict[str, Any]:
    """Only for pages that already checked the viewer may see this dossier."""
    documents = eform_documents(dossier.procedure_version.data)
    entries = entries_by_document(dossier.pk) if documents else {}
    forms = []
    for document in documents:
        entry = entries.get(document["id"])
        if entry is None:
            continue
        forms.append(
            {
                "document_id": document["id"],
                "title": document["eform"]["title"],
                "complete": entry.is_complete,
                "sections": entry_sections(document["eform"], entry.values),
            }
        )
    return {"eforms": forms}
