"""Hashing, appending and checking the audit chain.

Appending takes a transaction-scoped PostgreSQL advisory lock before it reads the last row,
so concurrent transactions append one after the other and the chain never forks: the lock is
held until the appending transaction commits, and row IDs are drawn under it, so ID order is
chain order. Other databases (SQLite in the demo) serialise writers anyway.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone
from django.utils.ipv6 import clean_ipv6_address
from django.utils.translation import gettext as _

from .models import GENESIS_HASH, AuditRecord

# Any constant works; it only has to differ from the other advisory locks of the database.
APPEND_LOCK_KEY = 0x4155_4449_5400  # "AUDIT"
VERIFY_BATCH = 20_000

# The columns that make up a row's content, in the order they are hashed.
CONTENT_FIELDS = (
    "recorded_at",
    "kind",
    "actor_id",
    "actor_name",
    "unit",
    "dossier_id",
    "target",
    "ip",
    "data",
)


def _plain(value: Any) -> Any:
    """JSON values that read back from the database exactly as written (floats as text)."""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def normalise_data(data: Mapping[str, Any] | None) -> dict[str, Any]:
    return _plain(json.loads(json.dumps(dict(data or {}), cls=DjangoJSONEncoder)))


def normalise_ip(ip: str | None) -> str | None:
    if not ip:
        return None
    return clean_ipv6_address(ip) if ":" in ip else ip


def content_hash(
    prev_hash: str,
    recorded_at: datetime,
    kind: str,
    actor_id: int | None,
    actor_name: str,
    unit: str,
    dossier_id: int | None,
    target: str,
    ip: str | None,
    data: Any,
) -> str:
    """SHA-256 of the previous hash and the row's canonical content (sorted-key JSON)."""
    content = json.dumps(
        [
            recorded_at.astimezone(UTC).isoformat(timespec="microseconds"),
            kind,
            actor_id,
            actor_name,
            unit,
            dossier_id,
            target,
            ip,
            data,
        ],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(f"{prev_hash}\n{content}".encode()).hexdigest()


def lock_for_append() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [APPEND_LOCK_KEY])


def head_hash() -> str:
    last = AuditRecord.objects.order_by("-id").values_list("hash", flat=True).first()
    return last or GENESIS_HASH


@transaction.atomic
def append(
    *,
    kind: str,
    actor_id: int | None,
    actor_name: str,
    unit: str,
    dossier_id: int | None,
    target: str,
    ip: str | None,
    data: Mapping[str, Any] | None,
) -> AuditRecord:
    lock_for_append()
    prev = head_hash()
    row = AuditRecord(
        recorded_at=timezone.now(),
        kind=kind,
        actor_id=actor_id,
        actor_name=actor_name[:150],
        unit=unit[:255],
        dossier_id=dossier_id,
        target=target[:120],
        ip=normalise_ip(ip),
        data=normalise_data(data),
        prev_hash=prev,
    )
    row.hash = content_hash(prev, *(getattr(row, name) for name in CONTENT_FIELDS))
    row.save(force_insert=True)
    return row


# --- Verification --------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    rows_checked: int
    head_id: int | None
    head_hash: str
    broken_id: int | None = None
    problem: str = ""


def _rows(batch: int) -> Iterator[tuple[Any, ...]]:
    """Every row in chain order, a batch at a time (keyset pages: no long cursor, flat memory)."""
    last_id = 0
    columns = ("id", "prev_hash", "hash", *CONTENT_FIELDS)
    while True:
        page = list(
            AuditRecord.objects.filter(id__gt=last_id).order_by("id").values_list(*columns)[:batch]
        )
        if not page:
            return
        yield from page
        last_id = page[-1][0]


def verify(
    *,
    checkpoint: tuple[int, str] | None = None,
    batch: int = VERIFY_BATCH,
) -> ChainCheck:
    """Walk the chain from the first row; stop at the first row whose hash or link is wrong.

    ``checkpoint`` is the (ID, hash) of the last row an earlier run found intact: it must still
    be there, unchanged, or rows were removed from the end or the chain was rebuilt.
    """
    expected_prev = GENESIS_HASH
    checked = 0
    last_id: int | None = None
    checkpoint_seen = checkpoint is None
    for row in _rows(batch):
        row_id, prev_hash, stored_hash, *content = row
        if prev_hash != expected_prev:
            return ChainCheck(
                ok=False,
                rows_checked=checked,
                head_id=last_id,
                head_hash=expected_prev,
                broken_id=row_id,
                problem=_(
                    "Row %(row)s does not follow the row before it (%(previous)s): a row was "
                    "removed or inserted there."
                )
                % {"row": row_id, "previous": last_id if last_id is not None else "—"},
            )
        if content_hash(prev_hash, *content) != stored_hash:
            return ChainCheck(
                ok=False,
                rows_checked=checked,
                head_id=last_id,
                head_hash=expected_prev,
                broken_id=row_id,
                problem=_("Row %(row)s was changed after it was recorded.") % {"row": row_id},
            )
        if checkpoint is not None and row_id == checkpoint[0]:
            if stored_hash != checkpoint[1]:
                return ChainCheck(
                    ok=False,
                    rows_checked=checked,
                    head_id=last_id,
                    head_hash=expected_prev,
                    broken_id=row_id,
                    problem=_(
                        "Row %(row)s no longer matches the last verification: the chain was "
                        "rebuilt."
                    )
                    % {"row": row_id},
                )
            checkpoint_seen = True
        expected_prev = stored_hash
        last_id = row_id
        checked += 1
    if not checkpoint_seen and checkpoint is not None:
        return ChainCheck(
            ok=False,
            rows_checked=checked,
            head_id=last_id,
            head_hash=expected_prev,
            broken_id=checkpoint[0],
            problem=_(
                "Row %(row)s, the last row of the previous verification, is missing: rows "
                "were removed from the end."
            )
            % {"row": checkpoint[0]},
        )
    return ChainCheck(ok=True, rows_checked=checked, head_id=last_id, head_hash=expected_prev)
