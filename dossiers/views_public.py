"""Public lookup of a dossier by its code (/tra-cuu/) and the kiosk variant (/kiosk/).

No login. The page shows where a dossier is and nothing personal beyond a masked name, so it
is rate-limited per address (codes are guessable: agency, date, sequence) and never cached by
browsers or proxies.

Every request reads the dossier's public columns afresh; what is reused is the rendered page
for visitors without a session (no user name, no messages, no CSRF token in it), kept by each
process under the address, the language and the template, together with those column values
and the names version: it is served only when the values read now are the same, so a change
of state shows at once and nothing of one visitor can reach another (public_names.py tells
how renamed procedures and agencies show).

The lookup is the busiest page of the portal. A request with a code costs one PostgreSQL query
on the dossier table (and the one-row names version) and, for the rate limit, a Redis round
trip the first time an address comes in a minute and then every few requests
(ratelimit.take reserves counts in blocks); reading the procedure and agency names and
rendering happen only when the page is new to the process or has changed (the names once per
process and names version).
"""

from __future__ import annotations

import hmac
import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from time import monotonic
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from portal.json_input import JSONInputError, request_json_object
from portal.params import ascii_int

from . import public_names, ratelimit, selectors, sms
from .models import Dossier
from .presenters import STATE_BADGES

CODE_MAX_LENGTH = Dossier._meta.get_field("code").max_length or 40
KIOSK_IDLE_SECONDS = 60
# An inbound message is a few hundred bytes of JSON.
SMS_INBOUND_MAX_BYTES = 16 * 1024

NEXT_STEPS: dict[str, Promise] = {
    Dossier.State.RECEIVED: _(
        "The one-stop desk is checking the dossier. The applicant will be told whether it is "
        "accepted or needs more documents."
    ),
    Dossier.State.INCOMPLETE: _(
        "The agency has asked the applicant for more documents. The processing time does "
        "not run while the agency waits for them."
    ),
    Dossier.State.PROCESSING: _(
        "The dossier has been accepted and is being handled. The result is due by the date below."
    ),
    Dossier.State.DONE: _(
        "The result is ready. The applicant receives it in the way chosen when submitting."
    ),
    Dossier.State.RETURNED: _(
        "The dossier was not accepted. The reasons were given to the applicant in writing."
    ),
    Dossier.State.WITHDRAWN: _("The dossier was withdrawn at the applicant's request."),
}
FEE_AWAITED_STEP = _(
    "The fee has not been paid yet. The one-stop desk can accept the dossier, and the "
    "processing time starts, only once it is paid."
)


@dataclass(frozen=True)
class LookupResult:
    """Only what the public may see of a dossier."""

    code: str
    procedure_name: str
    agency_name: str
    state: str
    state_label: str
    next_step: str
    badge: str
    masked_name: str
    received_at: datetime | None
    appointment_at: datetime | None
    finished_at: datetime | None
    delivered_at: datetime | None


def normalise_code(raw: str) -> str:
    """What people type or scan: spaces anywhere, lower case, full-width dashes from phones."""
    code = unicodedata.normalize("NFKC", raw)
    code = re.sub(r"\s+", "", code).replace("–", "-").replace("—", "-")
    return code.upper()


def mask_name(name: str) -> str:
    """ "Nguyễn Văn An" -> "Nguyễn V** A**": the family name, then initials.

    A fixed "**" so that the length of the given names does not show.
    """
    words = unicodedata.normalize("NFC", name).split()
    if not words:
        return ""
    if len(words) == 1:
        return f"{words[0][0]}**"
    return " ".join([words[0], *(f"{word[0]}**" for word in words[1:])])


def lookup_result(row: selectors.PublicDossierRow, *, fee_awaited: bool = False) -> LookupResult:
    """What the public may see of a dossier, from its public columns."""
    state = Dossier.State(row.state)
    procedure_name, agency_name = public_names.names_for(
        procedure_id=row.procedure_id, agency_id=row.agency_id, version=row.names_version
    )
    return LookupResult(
        code=row.code,
        procedure_name=procedure_name,
        agency_name=agency_name,
        state=state.value,
        state_label=str(state.label),
        next_step=str(FEE_AWAITED_STEP if fee_awaited else NEXT_STEPS.get(state, "")),
        badge=STATE_BADGES.get(state, "badge-muted"),
        masked_name=mask_name(row.applicant_name),
        received_at=row.submitted_at,
        appointment_at=row.appointment_at,
        finished_at=row.finished_at,
        delivered_at=row.delivered_at,
    )


def _fee_awaited(code: str) -> bool:
    from payments.selectors import fee_awaited_before_acceptance  # payments builds on dossiers

    dossier = selectors.dossier_by_code(code)
    return dossier is not None and fee_awaited_before_acceptance(dossier) > 0


def _limit() -> int:
    # The bench measures the limiter's cost from one address; it must not be refused.
    if settings.BENCH_VIEWS_ENABLED:
        return 10**9
    return int(settings.LOOKUP_RATE_LIMIT)


def _lookup(request: HttpRequest, template: str, extra: dict[str, object]) -> HttpResponse:
    query = request.GET.get("ma", "")[:100].strip()
    code = normalise_code(query)
    context: dict[str, object] = {"query": query, "code": code, **extra}
    row = None
    if code:
        counted = ratelimit.take("lookup", ratelimit.client_ip(request), limit=_limit())
        if not counted.allowed:
            response = render(
                request,
                "dossiers/public/rate_limited.html",
                {**context, "retry_after": counted.retry_after},
                status=429,
            )
            response["Retry-After"] = str(counted.retry_after)
            response["Cache-Control"] = "private, no-store"
            return response
        if len(code) <= CODE_MAX_LENGTH:
            row = selectors.public_dossier_row(code)
    # Only a dossier awaiting reception can be waiting for its fee: one more read for those.
    fee_awaited = bool(row and row.state == Dossier.State.RECEIVED and _fee_awaited(row.code))
    read = (row, fee_awaited)
    # A page rendered for the same request and the same values read is served as it was.
    page_key = _page_key(request, template, context) if _anonymous_visit(request) else None
    content = saved_pages.get(page_key, read) if page_key else None
    if content is not None:
        response = HttpResponse(content)
    else:
        context["result"] = lookup_result(row, fee_awaited=fee_awaited) if row else None
        context["not_found"] = bool(code) and row is None
        response = render(request, template, context)
        if page_key:
            saved_pages.put(page_key, read, response.content)
    response["Cache-Control"] = "private, no-store"
    return response


PAGE_CACHE_SECONDS = 300


PageKey = tuple[str, str, str, tuple[tuple[str, object], ...]]


class SavedPages:
    """Rendered lookup pages of this process, the most recently used first.

    Kept in the process, not in the shared cache: a page is served only after the dossier has
    been read anyway, so sharing it between processes would cost a round trip to save one
    rendering per process. A page is kept with the values read for it (everything it shows
    that is not in its key); pages older than `seconds` are rendered again (what the page
    shows from the clock and the templates is in neither).
    """

    def __init__(self, size: int = 512, seconds: int = PAGE_CACHE_SECONDS) -> None:
        self.size, self.seconds = size, seconds
        self.pages: OrderedDict[PageKey, tuple[object, bytes, float]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: PageKey, read: object) -> bytes | None:
        with self.lock:
            saved = self.pages.get(key)
            if saved is None:
                return None
            saved_read, content, saved_at = saved
            if saved_read != read or monotonic() - saved_at > self.seconds:
                return None
            self.pages.move_to_end(key)
            return content

    def put(self, key: PageKey, read: object, content: bytes) -> None:
        with self.lock:
            self.pages[key] = (read, content, monotonic())
            self.pages.move_to_end(key)
            while len(self.pages) > self.size:
                self.pages.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.pages.clear()


saved_pages = SavedPages()


def _anonymous_visit(request: HttpRequest) -> bool:
    """No session and no flash messages: the page holds nothing of this visitor."""
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def _page_key(request: HttpRequest, template: str, context: dict[str, object]) -> PageKey:
    """The address, the template, the language and what the request puts on the page; what
    the database puts on it is checked against the values kept with the page."""
    return (request.get_full_path(), template, get_language(), tuple(sorted(context.items())))


@require_GET
def lookup(request: HttpRequest) -> HttpResponse:
    return _lookup(request, "dossiers/public/lookup.html", {"base_template": "base.html"})


@require_GET
def kiosk(request: HttpRequest) -> HttpResponse:
    """The lookup for a touch screen in the reception hall; it resets itself when left alone."""
    asked = ascii_int(request.GET.get("idle"), max_digits=4)
    idle = KIOSK_IDLE_SECONDS if asked is None else min(max(asked, 2), 600)
    return _lookup(
        request,
        "dossiers/public/kiosk.html",
        {
            "base_template": "dossiers/public/kiosk_base.html",
            "idle": idle,
            "custom_idle": idle != KIOSK_IDLE_SECONDS,
        },
    )


@csrf_exempt
@require_POST
def sms_inbound(request: HttpRequest) -> JsonResponse:
    """Webhook of the SMS gateway for inbound messages (shared secret in a Bearer header)."""
    secret = settings.SMS_INBOUND_SECRET
    if not secret:
        raise Http404("Inbound SMS is not configured.")
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), secret.encode()):
        return JsonResponse({"status": "error", "error": "unauthorised"}, status=401)
    payload: Mapping[str, Any]
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        payload = request.POST
    else:
        try:
            payload = request_json_object(request, max_bytes=SMS_INBOUND_MAX_BYTES)
        except JSONInputError as err:
            return JsonResponse({"status": "error", "error": err.message}, status=400)
    sender = str(payload.get("from", "")).strip()[:20]
    text = str(payload.get("text", ""))[:500]
    if not sender:
        return JsonResponse({"status": "error", "error": "'from' is required"}, status=400)
    reply = sms.sms_lookup_reply(
        sender=sender, text=text, message_id=str(payload.get("id", ""))[:100]
    )
    return JsonResponse({"status": "ok", "reply": reply})
