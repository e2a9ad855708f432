"""Procedure and agency names on the reused pages of the public lookup.

The lookup reads a dossier's own columns only (one single-table query); the names of its
procedure and receiving agency are read when a page is rendered. A stored page is reused only
while the names stamp it was rendered with is still the current one: saving or deleting a
procedure or an agency replaces the stamp, in the shared cache, so every worker shows a
renamed procedure at once. Whatever bypasses save() (a queryset update, SQL) shows when the
stored pages expire (views_public.PAGE_CACHE_SECONDS).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.cache import cache

STAMP_KEY = "lookup-names-stamp"


def names_changed(**kwargs: Any) -> None:
    """Receiver of post_save and post_delete for Procedure and Agency."""
    cache.set(STAMP_KEY, uuid.uuid4().hex, timeout=None)
