"""Reads of e-forms: the definitions frozen into procedure versions, and a dossier's entries."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .models import EForm, EFormEntry


def definitions_for_documents(document_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Definition of each document that has an e-form, by document id (one query)."""
    return dict(
        EForm.objects.filter(document_id__in=list(document_ids)).values_list(
            "document_id", "definition"
        )
    )


def eform_documents(version_data: dict[str, Any]) -> list[dict[str, Any]]:
    """Documents of a version snapshot that are filled online."""
    return [d for d in version_data.get("documents", []) if d.get("eform") and d.get("id")]


def eform_document(version_data: dict[str, Any], document_id: int) -> dict[str, Any] | None:
    for document in eform_documents(version_data):
        if document["id"] == document_id:
            return document
    return None


def entries_by_document(dossier_id: int) -> dict[int, EFormEntry]:
    return {entry.document_id: entry for entry in EFormEntry.objects.filter(dossier_id=dossier_id)}
