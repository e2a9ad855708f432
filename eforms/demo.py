"""E-forms of five demo procedures (demo only: real definitions are edited in the admin)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db import transaction

from procedures import services as procedure_services
from procedures.models import RequiredDocument

from .models import EForm
from .schema import validate_schema

DEMO_FILE = Path(__file__).resolve().parent / "data" / "demo_eforms.json"


def demo_definitions() -> list[dict[str, Any]]:
    with DEMO_FILE.open(encoding="utf-8") as handle:
        return list(json.load(handle)["forms"])


@transaction.atomic
def seed_eforms_demo() -> int:
    """Attach each demo e-form to its procedure's application form; returns how many were new.

    A second run changes nothing; a published procedure that gained a form gets a new version.
    """
    created = 0
    for item in demo_definitions():
        validate_schema(item["definition"])
        document = (
            RequiredDocument.objects.filter(
                procedure__code=item["procedure"], name__startswith=item["document_starts_with"]
            )
            .select_related("procedure")
            .first()
        )
        if document is None or EForm.objects.filter(document=document).exists():
            continue
        EForm.objects.create(document=document, definition=item["definition"])
        procedure_services.procedure_record_edit(procedure=document.procedure, actor=None)
        created += 1
    return created
