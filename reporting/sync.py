"""National-portal (DVCQG) sync: every dossier changed since the last successful run, once.

A daily beat task (`tasks.national_sync`) calls `national_sync_run`:

* the changes are the submitted dossiers whose `updated_at` lies in [end of the last
  successful run's window minus `OVERLAP`, start of this run); drafts are never sent. The
  overlap catches a change saved just before the last run started but committed after it
  (invisible to that run); looking at a dossier twice costs nothing, see the next point;
* each is turned into a record (`dossier_record`): codes, DVCQG status, channel, dates and a
  masked applicant name, nothing else personal; a dossier whose record is the one the portal
  already acknowledged (same SHA-256 in `DossierSyncState`) is skipped, so a failed run that is
  run again sends only what was not acknowledged: nothing lost, nothing twice;
* records go in batches of `NATIONAL_SYNC_BATCH_SIZE` as one JSON POST each, signed with
  HMAC-SHA256 of the body (`X-DVC-Signature: sha256=<hex>`, `X-DVC-Client: <client id>`);
  every record carries `version` (the dossier's last change) so the receiver can ignore a
  record it already has;
* a failing request is retried `NATIONAL_SYNC_ATTEMPTS` times with exponential backoff; if it
  still fails the run stops as failed, the window is not advanced and the Celery task retries
  later (the next daily run would too);
* a PostgreSQL advisory lock keeps two runs from working at once.

`national_sync_reconcile` (daily) asks the receiver how many of our dossiers it holds and
records it beside our count of acknowledged dossiers.

The receiver answers a batch with `{"accepted": [codes]}`; only those are marked acknowledged.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from dossiers.models import Dossier
from procedures.models import Channel

from .models import DossierSyncState, SyncReconciliation, SyncRun

logger = logging.getLogger(__name__)

State = Dossier.State
_LOCK_KEY = zlib.crc32(b"reporting.national_sync")
# Longer than any transaction that changes a dossier.
OVERLAP = timedelta(minutes=15)


class SyncError(Exception):
    """The receiver could not be reached or refused a batch; `retryable` says whether to retry."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


# --- DVCQG status codes (DESIGN §5) -------------------------------------------------------------

RECEIVED, ACCEPTED, REFUSED, PROCESSING, SUPPLEMENT, AWAITING_FEE = 1, 2, 3, 4, 5, 6
WITHDRAWN, STOPPED, DONE, DELIVERED = 7, 8, 9, 10
DVCQG_STATUS_CODES = range(RECEIVED, DELIVERED + 1)


# Checked in order, first match wins. 5 is a stopped clock (supplement asked, before or after
# acceptance); 3 is a refusal at reception only; 8 ("Dừng xử lý") is a dossier stopped or refused
# after it was accepted (Decree 118/2025: notice of stopping processing, or a leader's refusal).
def _awaiting_fee_at_result(dossier: Dossier) -> bool:
    """A result is ready but waits for the fees due at the result (DVCQG 6)."""
    from payments.selectors import dossier_fees_settled
    from procedures.models import FeeDue

    return not dossier_fees_settled(dossier, due=FeeDue.AT_RESULT)


STATUS_RULES: list[tuple[Callable[[Dossier], bool], int]] = [
    (lambda d: d.state == State.RECEIVED, RECEIVED),
    (
        lambda d: d.state == State.DONE and d.delivered_at is None and _awaiting_fee_at_result(d),
        AWAITING_FEE,
    ),
    (lambda d: d.state == State.INCOMPLETE, SUPPLEMENT),
    (lambda d: d.state == State.PROCESSING and d.forwarded_at is None, ACCEPTED),
    (lambda d: d.state == State.PROCESSING, PROCESSING),
    (lambda d: d.state == State.DONE and d.delivered_at is not None, DELIVERED),
    (lambda d: d.state == State.DONE, DONE),
    (lambda d: d.state == State.RETURNED and d.accepted_at is not None, STOPPED),
    (lambda d: d.state == State.RETURNED, REFUSED),
    (lambda d: d.state == State.WITHDRAWN, WITHDRAWN),
]


def dvcqg_status(dossier: Dossier) -> int | None:
    """The national portal's status code of a dossier; None for a draft (never sent)."""
    for applies, code in STATUS_RULES:
        if applies(dossier):
            return code
    return None


# --- Records -----------------------------------------------------------------------------------


def mask_name(name: str) -> str:
    """ "Nguyễn Văn An" → "Nguyễn V. A.": the family name and initials, nothing more."""
    words = name.split()
    if not words:
        return ""
    return " ".join([words[0], *(f"{word[0]}." for word in words[1:])])


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


# The national portal's channel codes (KenhThucHien): 1 at the desk, 2 online, 3 by public post.
CHANNEL_CODES = {Channel.DESK: 1, Channel.ONLINE: 2, Channel.POST: 3}


def dossier_record(dossier: Dossier) -> dict[str, Any]:
    """What the national portal receives about one dossier, and only that.

    `due_at` is the legal due time: an apology's new appointment is what the citizen was told,
    but the national statistics judge the dossier against the legal time, so it is not sent.
    """
    return {
        "code": dossier.code,
        "procedure_code": dossier.procedure.code,
        "agency_code": dossier.agency.code,
        "status": dvcqg_status(dossier),
        "channel": CHANNEL_CODES[Channel(dossier.channel)],
        "applicant": mask_name(dossier.applicant_name),
        "submitted_at": _iso(dossier.submitted_at),
        "accepted_at": _iso(dossier.accepted_at),
        "due_at": _iso(dossier.due_at),
        "finished_at": _iso(dossier.finished_at),
        "delivered_at": _iso(dossier.delivered_at),
        "version": _iso(dossier.updated_at),
    }


def _fingerprint(record: dict[str, Any]) -> str:
    # The version is left out: a change the portal does not see (an attachment) is no news.
    content = {key: value for key, value in record.items() if key != "version"}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# --- Transport ---------------------------------------------------------------------------------


def _post(url: str, payload: dict[str, Any]) -> dict[str, Any]:
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    request = urllib.request.Request(  # noqa: S310 - the URL is a setting
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "X-DVC-Client": settings.NATIONAL_SYNC_CLIENT_ID,
            "X-DVC-Signature": sign(body, settings.NATIONAL_SYNC_SECRET),
        },
    )
    try:
        with urllib.request.urlopen(  # noqa: S310
            request, timeout=settings.NATIONAL_SYNC_TIMEOUT
        ) as response:
            return dict(json.loads(response.read() or b"{}"))
    except urllib.error.HTTPError as error:
        # 401/403/400/422: our request is wrong (bad signature, bad data); retrying won't help.
        retryable = error.code >= 500 or error.code in (408, 429)
        raise SyncError(f"HTTP {error.code} from {url}", retryable=retryable) from error
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as error:
        raise SyncError(f"{type(error).__name__}: {error}") from error


def _post_with_retries(url: str, payload: dict[str, Any], run: SyncRun) -> dict[str, Any]:
    attempts = max(1, settings.NATIONAL_SYNC_ATTEMPTS)
    for attempt in range(1, attempts + 1):
        run.attempts += 1
        try:
            return _post(url, payload)
        except SyncError as error:
            if not error.retryable or attempt == attempts:
                raise
            pause = settings.NATIONAL_SYNC_BACKOFF_SECONDS * 2 ** (attempt - 1)
            logger.info("National sync: %s; retry %s in %.1f s", error, attempt, pause)
            time.sleep(pause)
    raise AssertionError("unreachable")


# --- The run -----------------------------------------------------------------------------------


@contextmanager
def _exclusive() -> Iterator[bool]:
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_LOCK_KEY])
        acquired = bool(cursor.fetchone()[0])  # type: ignore[index]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_LOCK_KEY])


def sync_enabled() -> bool:
    return bool(settings.NATIONAL_SYNC_URL)


def changed_dossiers(*, since: datetime | None, until: datetime) -> QuerySet[Dossier]:
    dossiers = Dossier.objects.exclude(state=State.DRAFT).filter(
        code__isnull=False, updated_at__lt=until
    )
    if since is not None:
        dossiers = dossiers.filter(updated_at__gte=since)
    return dossiers


def _batches(dossiers: QuerySet[Dossier], size: int) -> Iterator[list[Dossier]]:
    last: tuple[datetime, int] | None = None
    while True:
        page = dossiers
        if last is not None:
            page = page.filter(
                Q(updated_at__gt=last[0]) | Q(updated_at=last[0], pk__gt=last[1]),
                updated_at__gte=last[0],
            )
        rows = list(page.select_related("procedure", "agency").order_by("updated_at", "pk")[:size])
        if not rows:
            return
        yield rows
        if len(rows) < size:
            return
        last = (rows[-1].updated_at, rows[-1].pk)


def national_sync_run(*, full: bool = False) -> SyncRun | None:
    """One sync pass; None when it is switched off or another pass is running.

    Raises SyncError (after recording the failed run) when the receiver cannot take a batch.
    `full=True` looks at every dossier again (still skipping what is acknowledged unchanged).
    """
    if not sync_enabled():
        return None
    with _exclusive() as acquired:
        if not acquired:
            logger.info("National sync skipped: another run is in progress.")
            return None
        last = (
            SyncRun.objects.filter(status=SyncRun.Status.SUCCEEDED)
            .order_by("-changed_until")
            .first()
        )
        now = timezone.now()
        run = SyncRun.objects.create(
            started_at=now,
            changed_since=None if full or last is None else last.changed_until - OVERLAP,
            changed_until=now,
        )
        try:
            _send_changes(run)
        except SyncError as error:
            run.status, run.error = SyncRun.Status.FAILED, str(error)[:5000]
            run.finished_at = timezone.now()
            run.save()
            logger.warning("National sync failed: %s", error)
            raise
        run.status, run.finished_at = SyncRun.Status.SUCCEEDED, timezone.now()
        run.save()
        logger.info(
            "National sync: %s sent, %s acknowledged, %s unchanged",
            run.sent,
            run.acknowledged,
            run.unchanged,
        )
        return run


def _send_changes(run: SyncRun) -> None:
    dossiers = changed_dossiers(since=run.changed_since, until=run.changed_until)
    for batch in _batches(dossiers, settings.NATIONAL_SYNC_BATCH_SIZE):
        run.examined += len(batch)
        known = dict(
            DossierSyncState.objects.filter(dossier__in=batch).values_list(
                "dossier_id", "payload_sha256"
            )
        )
        records: list[tuple[Dossier, dict[str, Any], str]] = []
        for dossier in batch:
            record = dossier_record(dossier)
            fingerprint = _fingerprint(record)
            if known.get(dossier.pk) == fingerprint:
                run.unchanged += 1
            else:
                records.append((dossier, record, fingerprint))
        if not records:
            run.save(update_fields=["examined", "unchanged"])
            continue
        run.batches += 1
        payload = {
            "client_id": settings.NATIONAL_SYNC_CLIENT_ID,
            "batch": f"{run.pk}-{run.batches}",
            "records": [record for _d, record, _f in records],
        }
        try:
            answer = _post_with_retries(settings.NATIONAL_SYNC_URL, payload, run)
        finally:
            run.save()
        accepted = set(answer.get("accepted", []))
        run.sent += len(records)
        _acknowledge(run, [(d, r, f) for d, r, f in records if d.code in accepted])
        run.save()


def _acknowledge(run: SyncRun, records: list[tuple[Dossier, dict[str, Any], str]]) -> None:
    now = timezone.now()
    with transaction.atomic():
        for dossier, record, fingerprint in records:
            DossierSyncState.objects.update_or_create(
                dossier=dossier,
                defaults={
                    "version": dossier.updated_at,
                    "status_code": record["status"],
                    "payload_sha256": fingerprint,
                    "acknowledged_at": now,
                    "run": run,
                },
            )
    run.acknowledged += len(records)


def national_sync_reconcile() -> SyncReconciliation | None:
    """Compare how many dossiers we hold as acknowledged with the receiver's own count."""
    if not sync_enabled():
        return None
    local = DossierSyncState.objects.count()
    url = settings.NATIONAL_SYNC_URL.rstrip("/") + "/reconcile"
    check = SyncReconciliation(checked_at=timezone.now(), local_count=local)
    try:
        answer = _post(url, {"client_id": settings.NATIONAL_SYNC_CLIENT_ID})
        check.remote_count = int(answer["dossiers"])
    except (SyncError, KeyError, TypeError, ValueError) as error:
        check.error = f"{type(error).__name__}: {error}"[:5000]
    check.save()
    if not check.matches:
        logger.warning(
            "National sync reconciliation: %s acknowledged here, %s there (%s)",
            local,
            check.remote_count,
            check.error,
        )
    return check
