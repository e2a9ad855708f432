"""Procedure and agency names on the saved pages of the public lookup.

The lookup reads a dossier's own columns and the names version (one query,
selectors.public_dossier_row); the names of its procedure and receiving agency are needed only
when a page is rendered. A saved page is served only while the names version it was rendered
with is still the current one, and the names a process has read are kept under the version
they were read with: saving or deleting a procedure or an agency raises it once the change is
committed, so every process shows a renamed procedure at once. A change that bypasses save()
(a queryset update, SQL) shows when the saved pages expire (views_public.PAGE_CACHE_SECONDS)
or the next time the version is raised.
"""

from __future__ import annotations

import threading
from typing import Any

from django.db import transaction
from django.db.models import F

from . import selectors
from .models import LookupNamesVersion


def names_changed(**kwargs: Any) -> None:
    """Receiver of post_save and post_delete for Procedure and Agency."""
    # After the commit: a page rendered in between would carry the old name under the new
    # version.
    transaction.on_commit(raise_version)


def raise_version() -> None:
    if not LookupNamesVersion.objects.update(version=F("version") + 1):
        LookupNamesVersion.objects.create(version=1)


# Names kept at most per process, by (procedure, agency, names version).
NAMES_KEPT = 4096
_names: dict[tuple[int, int, int], tuple[str, str]] = {}
_names_lock = threading.Lock()


def names_for(*, procedure_id: int, agency_id: int, version: int | None) -> tuple[str, str]:
    """The procedure's and agency's names, read once per process and names version."""
    if version is None:  # no version row (a flushed test database): read every time
        return selectors.public_names(procedure_id=procedure_id, agency_id=agency_id)
    key = (procedure_id, agency_id, version)
    names = _names.get(key)
    if names is None:
        names = selectors.public_names(procedure_id=procedure_id, agency_id=agency_id)
        with _names_lock:
            if len(_names) >= NAMES_KEPT:
                _names.clear()  # mostly names of older versions
            _names[key] = names
    return names


def forget_names() -> None:
    with _names_lock:
        _names.clear()
