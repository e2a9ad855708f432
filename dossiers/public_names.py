"""Procedure and agency names on the reused pages of the public lookup.

The lookup reads a dossier's own columns only (one single-table query); the names of its
procedure and receiving agency are read when a page is rendered. A stored page is reused only
while the names stamp it was rendered with is still the current one: saving or deleting a
procedure or an agency replaces the stamp in the shared cache once the change is committed,
so every worker shows a renamed procedure at once. Whatever bypasses save() (a queryset
update, SQL) shows when the stored pages expire (views_public.PAGE_CACHE_SECONDS), and so does
a rename made while the cache was unreachable.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.core.cache import cache
from django.db import transaction
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

STAMP_KEY = "lookup-names-stamp"


def names_changed(**kwargs: Any) -> None:
    """Receiver of post_save and post_delete for Procedure and Agency."""
    # After the commit: a page rendered in between would carry the old name under the new
    # stamp.
    transaction.on_commit(_replace_stamp)


def _replace_stamp() -> None:
    try:
        cache.set(STAMP_KEY, uuid.uuid4().hex, timeout=None)
    except RedisError:
        # Saving the catalogue must not fail because the cache is away.
        logger.warning("Could not replace the lookup names stamp; pages expire on their own.")
