"""E-form values as people read them: on the desk's dossier page and on the printed form."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from portal.numbers import format_number

from .schema import iter_fields


def display_value(spec: dict[str, Any], value: Any, *, language: str | None = None) -> str:
    if value in (None, ""):
        return ""
    text = str(value)
    if spec["type"] == "date":
        try:
            return date.fromisoformat(text).strftime("%d/%m/%Y")
        except ValueError:
            return text
    if spec["type"] == "number":
        try:
            number = Decimal(text)
        except InvalidOperation:
            return text
        # Years and other short numbers are written without a thousands separator.
        short = number == number.to_integral_value() and abs(number) < 10000
        shown = str(int(number)) if short else format_number(number, language=language)
        return f"{shown} {spec['unit']}" if spec.get("unit") else shown
    return text


def entry_sections(
    definition: dict[str, Any], values: dict[str, Any], *, language: str | None = None
) -> list[dict[str, Any]]:
    """Sections of label/value rows; a group becomes a table of its filled rows."""
    sections = []
    for section in definition.get("sections", []):
        items = []
        for spec in section.get("fields", []):
            if spec["type"] == "group":
                rows = [
                    [
                        display_value(part, (row or {}).get(part["name"]), language=language)
                        for part in spec["fields"]
                    ]
                    for row in values.get(spec["name"]) or []
                    if isinstance(row, dict)
                ]
                items.append(
                    {
                        "label": spec["label"],
                        "group": True,
                        "columns": [part["label"] for part in spec["fields"]],
                        "rows": rows,
                    }
                )
            else:
                items.append(
                    {
                        "label": spec["label"],
                        "group": False,
                        "value": display_value(spec, values.get(spec["name"]), language=language),
                    }
                )
        sections.append({"title": section.get("title", ""), "items": items})
    return sections


def field_count(definition: dict[str, Any]) -> int:
    return sum(1 for _ in iter_fields(definition))


def draft_rows(dossier: Any) -> dict[int, dict[str, Any]]:
    """For the draft page: each e-form document's link and whether it is filled in."""
    from django.urls import reverse

    from dossiers.presenters import when

    from .selectors import eform_documents, entries_by_document

    documents = eform_documents(dossier.procedure_version.data)
    if not documents:
        return {}
    entries = entries_by_document(dossier.pk)
    rows = {}
    for document in documents:
        entry = entries.get(document["id"])
        rows[document["id"]] = {
            "document_id": document["id"],
            "title": document["eform"]["title"],
            "url": reverse("eforms:fill", kwargs={"pk": dossier.pk, "document_id": document["id"]}),
            "started": entry is not None,
            "complete": bool(entry and entry.is_complete),
            "updated_at": when(entry.updated_at) if entry else "",
        }
    return rows
