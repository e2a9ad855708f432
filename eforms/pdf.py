"""The official application form, printed from what the applicant filled in online."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from .presenters import entry_sections


def application_pdf(
    *, definition: dict[str, Any], values: dict[str, Any], data: dict[str, Any], signer_name: str
) -> bytes:
    """A4 PDF: national motto, addressee, title, every field with its value, signature place."""
    from weasyprint import HTML  # heavy import, only when a form is printed

    today = timezone.localdate()
    html = render_to_string(
        "eforms/pdf/application.html",
        {
            "definition": definition,
            "sections": entry_sections(definition, values, language="vi"),
            "agency": (data.get("agency") or {}).get("name", ""),
            "procedure": data.get("name", ""),
            "signer_name": signer_name,
            "today": today,
            "place": _place(data),
        },
    )
    return HTML(string=html).write_pdf()


def _place(data: dict[str, Any]) -> str:
    # "UBND thành phố Tuy Hòa" → "Tuy Hòa": the place written before the date, as on paper.
    name = (data.get("agency") or {}).get("name", "")
    for prefix in ("UBND thành phố", "UBND thị xã", "UBND huyện", "UBND phường", "UBND xã", "UBND"):
        if name.startswith(prefix):
            return name[len(prefix) :].strip()
    return ""


def date_text(value: date) -> str:
    return f"ngày {value.day:02d} tháng {value.month:02d} năm {value.year}"
