"""Reads of the document store, always scoped to the citizen who owns it."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from portal.models import User

from .models import StoredDocument, StoreUse


def documents_of(owner: User) -> QuerySet[StoredDocument]:
    """The person's own store, newest first; nobody else's, whatever their roles."""
    if not owner.is_authenticated:
        return StoredDocument.objects.none()
    return StoredDocument.objects.filter(owner=owner).select_related("dossier", "issuer_agency")


def usable_documents_of(owner: User) -> QuerySet[StoredDocument]:
    """What may go into a new dossier: the documents still valid today."""
    today = timezone.localdate()
    return documents_of(owner).exclude(valid_until__lt=today)


def file_is_held(name: str) -> bool:
    """A store entry, or a dossier file taken from the store, still names these bytes."""
    return (
        StoredDocument.objects.filter(file=name).exists()
        or StoreUse.objects.filter(file_name=name).exists()
    )
