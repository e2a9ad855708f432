"""Procedure and agency names on the saved pages of the public lookup.

The lookup reads a dossier's own columns and the names version (one query,
selectors.public_dossier_row); the names of its procedure and receiving agency are read only
when a page is rendered. A saved page is served only while the names version it was rendered
with is still the current one: saving or deleting a procedure or an agency raises it once the
change is committed, so every process shows a renamed procedure at once. A change that
bypasses save() (a queryset update, SQL) shows when the saved pages expire
(views_public.PAGE_CACHE_SECONDS).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F

from .models import LookupNamesVersion


def names_changed(**kwargs: Any) -> None:
    """Receiver of post_save and post_delete for Procedure and Agency."""
    # After the commit: a page rendered in between would carry the old name under the new
    # version.
    transaction.on_commit(raise_version)


def raise_version() -> None:
    if not LookupNamesVersion.objects.update(version=F("version") + 1):
        LookupNamesVersion.objects.create(version=1)
