"""Public API answers kept in the shared cache until the catalogue changes.

The catalogue list is the same for every caller of a query string and language, and changes
only when IT staff edit the catalogue: its rendered body is kept under a catalogue
*generation*, a token replaced whenever a procedure, its version, a sector or an agency is
saved or deleted (at once, and again once the change is committed, so a request that read
the old rows in between cannot keep them). Writes that send no signal (bulk updates, imports)
are seen after API_CACHE_SECONDS at the latest, the same age the answers allow browsers and
proxies (Cache-Control: max-age). API_CACHE_SECONDS=0 turns the cache off.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import get_language

from portal.models import Agency
from procedures.models import Procedure, ProcedureVersion, Sector

GENERATION_KEY = "api:catalogue:generation"


def _seconds() -> int:
    return int(settings.API_CACHE_SECONDS)


def _generation(token: object) -> str:
    if token is None:
        cache.add(GENERATION_KEY, uuid4().hex, None)
        token = cache.get(GENERATION_KEY) or "none"
    return str(token)


def catalogue_changed() -> None:
    cache.set(GENERATION_KEY, uuid4().hex, None)


@dataclass(frozen=True)
class Answer:
    key: str
    generation: str
    body: bytes | None  # None: not kept, or kept under an older generation


def cached_answer(name: str, params: dict[str, Any]) -> Answer | None:
    """The kept answer to these (validated) parameters, in one round trip with the current
    generation; None when the cache is off. Parameters, not the query string: unknown or
    repeated ones make no new entries."""
    if _seconds() <= 0:
        return None
    digest = hashlib.sha256(repr(sorted(params.items())).encode()).hexdigest()[:32]
    key = f"api:{name}:{get_language()}:{digest}"
    found = cache.get_many([GENERATION_KEY, key])
    generation = _generation(found.get(GENERATION_KEY))
    kept = found.get(key)
    body = kept[1] if isinstance(kept, tuple) and kept[0] == generation else None
    return Answer(key=key, generation=generation, body=body)


def keep_answer(answer: Answer | None, body: bytes) -> None:
    if answer is not None:
        cache.set(answer.key, (answer.generation, body), _seconds())


@receiver(post_save, sender=Procedure, dispatch_uid="api_procedure_saved")
@receiver(post_delete, sender=Procedure, dispatch_uid="api_procedure_deleted")
@receiver(post_save, sender=ProcedureVersion, dispatch_uid="api_version_saved")
@receiver(post_delete, sender=ProcedureVersion, dispatch_uid="api_version_deleted")
@receiver(post_save, sender=Sector, dispatch_uid="api_sector_saved")
@receiver(post_delete, sender=Sector, dispatch_uid="api_sector_deleted")
@receiver(post_save, sender=Agency, dispatch_uid="api_agency_saved")
@receiver(post_delete, sender=Agency, dispatch_uid="api_agency_deleted")
def _catalogue_saved(**kwargs: Any) -> None:
    catalogue_changed()
    transaction.on_commit(catalogue_changed)
