"""The public read-only API (/api/v1/…), its OpenAPI schema (/api/openapi.json) and docs
(/api/docs/).

Anyone may call it without a key, up to API_RATE_LIMIT requests a minute per address; a partner
key (header X-API-Key, issued in the admin) raises that to the key's own limit. A key opens
nothing more: every answer is what the portal's public pages show. Dossier status by code
counts against the same per-address limit as the lookup page (/tra-cuu/) for callers without a
key, so the API is no way round it.

Answers that are the same for everyone carry an ETag (a request with a matching If-None-Match
gets 304) and `Cache-Control: public`; a dossier's status is never stored by caches.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import RFC3986_SUBDELIMS, quote_etag
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Path, Query
from ninja.errors import HttpError, ValidationError
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.security import APIKeyHeader

from dossiers import ratelimit
from dossiers import selectors as dossier_selectors
from dossiers.views_public import CODE_MAX_LENGTH, lookup_result, normalise_code
from portal.models import Agency
from procedures import selectors as procedure_selectors
from procedures.models import ProcedureVersion, RequiredDocument, ServiceLevel

from . import answers, keys, schemas
from .models import PartnerKey

PUBLIC_CACHE = "public, max-age=300"
NO_STORE = "private, no-store"

AGENCY_LEVELS = {
    "province": "tinh",
    "district": "huyen",
    "commune": "xa",
}


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(retry_after)


@dataclass(frozen=True)
class Caller:
    address: str
    partner: PartnerKey | None

    def __bool__(self) -> bool:  # ninja treats a falsy result as "not authenticated"
        return True


def _unlimited() -> bool:
    # The bench measures the API's cost from one address; it must not be refused.
    return bool(settings.BENCH_VIEWS_ENABLED)


class PartnerKeyAuth(APIKeyHeader):
    """Optional partner key: without one the caller is the public, limited per address."""

    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> Caller:
        address = ratelimit.client_ip(request)
        partner = None
        # A header that was sent is a key to check, even one left empty once NUL characters
        # are dropped at the edge (portal/middleware_input.py): never the public's limit.
        if key is not None:
            partner = keys.partner_key_for(key.strip())
            if partner is None:
                raise HttpError(401, _("This API key is not valid or has been revoked."))
            counted = ratelimit.count("api-key", str(partner.pk), limit=partner.rate_limit)
        else:
            limit = 10**9 if _unlimited() else int(settings.API_RATE_LIMIT)
            counted = ratelimit.take("api", address, limit=limit)
        if not counted.allowed:
            raise RateLimited(counted.retry_after)
        return Caller(address=address, partner=partner)


class PublicAPI(NinjaAPI):
    def create_response(
        self,
        request: HttpRequest,
        data: Any,
        *,
        status: int | None = None,
        temporal_response: HttpResponse | None = None,
    ) -> HttpResponse:
        response = super().create_response(
            request, data, status=status, temporal_response=temporal_response
        )
        return self.with_cache_headers(request, response)

    def rendered(self, request: HttpRequest, data: Any) -> bytes:
        content = self.renderer.render(request, data, response_status=200)
        return content.encode(self.renderer.charset) if isinstance(content, str) else content

    def answer(self, request: HttpRequest, body: bytes) -> HttpResponse:
        """A 200 answer with an already rendered body (or 304 when the ETag matches)."""
        response = HttpResponse(body, status=200, content_type=self.get_content_type())
        return self.with_cache_headers(request, response)

    def with_cache_headers(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        patch_vary_headers(response, ["Accept-Language"])
        if request.method not in ("GET", "HEAD") or response.status_code != 200:
            response["Cache-Control"] = NO_STORE
            return response
        cache_control = getattr(request, "api_cache_control", PUBLIC_CACHE)
        response["Cache-Control"] = cache_control
        if cache_control == NO_STORE:
            return response
        response["ETag"] = quote_etag(hashlib.sha256(response.content).hexdigest()[:32])
        conditional = get_conditional_response(request, etag=response["ETag"], response=response)
        if conditional is None:
            return response
        if conditional is not response:
            conditional["Cache-Control"] = cache_control
            patch_vary_headers(conditional, ["Accept-Language"])
        return conditional


api = PublicAPI(
    title="Cổng dịch vụ công — API dữ liệu mở",
    version="1",
    description=(
        "Read-only open data of the provincial public-service portal: the procedure catalogue "
        "(with every published version), sectors, agencies, public statistics and the status "
        "of a dossier by its code (masked as on the lookup page). No key is needed; a partner "
        "key (header X-API-Key) raises the rate limit and opens nothing else. Lists are "
        "paginated with `limit` and `offset`. Field names are stable; each field's title is "
        "its Vietnamese label."
    ),
    urls_namespace="api",
    docs_url="/docs/",
    openapi_url="/openapi.json",
    auth=PartnerKeyAuth(),
)


@api.exception_handler(RateLimited)
def _rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    response = api.create_response(
        request,
        {
            "detail": _("Too many requests. Please wait %(seconds)s seconds and try again.")
            % {"seconds": exc.retry_after}
        },
        status=429,
    )
    response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = sorted(
        {str(error.get("loc", ["", "?"])[-1]) for error in exc.errors if error.get("loc")}
    )
    return api.create_response(
        request,
        {
            "detail": _("These parameters are not valid: %(fields)s.")
            % {"fields": ", ".join(fields) or "?"},
            "fields": fields,
        },
        status=422,
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 401:
        message = str(exc) if str(exc) != "Unauthorized" else _("An API key is required.")
    else:
        message = str(exc)
    return api.create_response(request, {"detail": message}, status=exc.status_code)


def _not_found(message: str) -> HttpError:
    return HttpError(404, message)


# --- Procedures ----------------------------------------------------------------------------


online_service_of = schemas.online_service


@api.get(
    "/v1/procedures/",
    response=schemas.PagedProcedureSummary,
    tags=["procedures"],
    summary="Published procedures",
)
def procedure_list(
    request: HttpRequest,
    q: str = Query("", description="Words of the name or the code, with or without diacritics."),
    sector: str = Query("", description="Sector code."),
    agency: str = Query("", description="Implementing agency's code."),
    agency_level: Literal["province", "district", "commune"] | None = Query(None),
    level: int | None = Query(None, ge=1, le=4, description="Service level 1–4."),
    online_service: Literal["fully_online", "partly_online"] | None = Query(None),
    limit: int = Query(
        settings.NINJA_PAGINATION_PER_PAGE, ge=1, le=settings.NINJA_PAGINATION_MAX_LIMIT
    ),
    offset: int = Query(0, ge=0),
) -> HttpResponse:
    params: dict[str, Any] = {
        "q": q,
        "sector": sector,
        "agency": agency,
        "agency_level": agency_level,
        "level": level,
        "online_service": online_service,
        "limit": limit,
        "offset": offset,
    }
    # The same for every caller (the rate limit was counted before): kept until the
    # catalogue changes (opendata/answers.py).
    kept = answers.cached_answer("procedures", params)
    if kept is not None and kept.body is not None:
        return api.answer(request, kept.body)
    body = api.rendered(request, _procedure_page(**params))
    answers.keep_answer(kept, body)
    return api.answer(request, body)


def _procedure_page(
    *,
    q: str,
    sector: str,
    agency: str,
    agency_level: str | None,
    level: int | None,
    online_service: str | None,
    limit: int,
    offset: int,
) -> dict[str, Any]:
    filters = procedure_selectors.CatalogueFilters(
        query=q.strip()[:200],
        sector=sector.strip()[:30],
        agency=agency.strip()[:20],
        agency_level=AGENCY_LEVELS[agency_level] if agency_level else "",
        level=(
            {"fully_online": 4, "partly_online": 3}[online_service] if online_service else level
        ),
    )
    procedures = procedure_selectors.catalogue_procedures(filters)
    # Pages must not shift between requests: the code settles every tie.
    # A query with no searchable word (only marks or symbols) filters nothing, as on the page.
    ranked = "match_rank" in procedures.query.annotations
    ordering = ["-words_matched", "match_rank", "code"] if ranked else ["code"]
    rows = procedures.order_by(*ordering).values_list(*_SUMMARY_COLUMNS)[offset : offset + limit]
    # Plain rows written out as the schema has them (opendata/tests/test_api.py checks every
    # item against PagedProcedureSummary): building a model per procedure and validating it
    # field by field cost about two thirds of the answer.
    url = _procedure_url()
    levels = {value: str(label) for value, label in ServiceLevel.choices}
    items = [
        {
            "code": code,
            "name": name,
            "sector": {"code": sector_code, "name": sector_name},
            "agency": {"code": agency_code, "name": agency_name},
            "level": level_value,
            "level_label": levels[level_value],
            "online_service": online_service_of(level_value),
            "processing_time": schemas.plain(processing_time),
            "processing_unit": unit,
            "processing_time_online": schemas.plain(time_online),
            "online_payment_allowed": online_payment,
            "current_version": version,
            "url": url(code),
        }
        for (
            code,
            name,
            sector_code,
            sector_name,
            agency_code,
            agency_name,
            level_value,
            processing_time,
            unit,
            time_online,
            online_payment,
            version,
        ) in rows
    ]
    return {"items": items, "count": procedures.count()}


_SUMMARY_COLUMNS = (
    "code",
    "name",
    "sector__code",
    "sector__name",
    "agency__code",
    "agency__name",
    "level",
    "processing_time",
    "processing_unit",
    "processing_time_online",
    "online_payment_allowed",
    "current_version__number",
)
_CODE_PLACEHOLDER = "0"


def _procedure_url() -> Callable[[str], str]:
    """The public page's path of a code, as reverse() gives it, with one reverse() a list."""
    before, _mark, after = reverse(
        "procedures:detail", kwargs={"code": _CODE_PLACEHOLDER}
    ).rpartition(f"/{_CODE_PLACEHOLDER}/")
    safe = RFC3986_SUBDELIMS + "/~:@"
    return lambda code: f"{before}/{quote(code, safe=safe)}/{after}"


def _documents(code: str, data: dict[str, Any]) -> list[dict[str, Any]]:
    forms = dict(RequiredDocument.Form.choices)
    return [
        {
            "name": document["name"],
            "copies": document["copies"],
            "form": document["form"],
            "form_label": str(forms.get(document["form"], document["form"])),
            "is_required": document["is_required"],
            "template_url": (
                reverse("procedures:form", kwargs={"code": code, "document_id": document["id"]})
                if document.get("template_file") and document.get("id")
                else None
            ),
        }
        for document in data.get("documents", [])
    ]


def _version_out(version: ProcedureVersion, *, is_current: bool) -> dict[str, Any]:
    data = version.data
    code = version.procedure.code
    return {
        "code": code,
        "version": version.number,
        "is_current": is_current,
        "published_at": version.published_at,
        "name": data["name"],
        "sector": {"code": data["sector"]["code"], "name": data["sector"]["name"]},
        "agency": {"code": data["agency"]["code"], "name": data["agency"]["name"]},
        "level": data["level"],
        "level_label": str(ServiceLevel(data["level"]).label),
        "online_service": online_service_of(data["level"]),
        "processing_time": data["processing_time"],
        "processing_unit": data["processing_unit"],
        "processing_time_online": data.get("processing_time_online"),
        "processing_note": data.get("processing_note", ""),
        "submission_channels": list(data.get("submission_channels", [])),
        "return_methods": list(data.get("return_methods", [])),
        "result": data.get("result", ""),
        "legal_bases": [str(basis) for basis in data.get("legal_bases", [])],
        "fee_due": data.get("fee_due", ""),
        "fee_note": data.get("fee_note", ""),
        "online_payment_allowed": bool(data.get("online_payment_allowed")),
        "decision": data.get("decision", ""),
        "documents": _documents(code, data),
        "fees": [
            {
                "name": fee["name"],
                "kind": fee["kind"],
                "amount": fee["amount"],
                "exemptions": fee.get("exemptions", ""),
            }
            for fee in data.get("fees", [])
        ],
        "steps": [
            {
                "agency": {"code": step["agency"]["code"], "name": step["agency"]["name"]},
                "description": step["description"],
                "working_days": step["working_days"],
            }
            for step in data.get("steps", [])
        ],
    }


@api.get(
    "/v1/procedures/{code}/",
    response={200: schemas.ProcedureDetail, 404: schemas.Error},
    tags=["procedures"],
    summary="A published procedure with all its parts and its versions",
)
def procedure_detail(request: HttpRequest, code: Path[str]) -> dict[str, Any]:
    procedure = procedure_selectors.procedure_for_public(code[:40])
    if procedure is None or procedure.current_version is None:
        raise _not_found(_("No published procedure has this code."))
    detail = _version_out(procedure.current_version, is_current=True)
    detail["versions"] = [
        {
            "number": number,
            "published_at": published_at,
            "url": reverse("api:procedure_version", kwargs={"code": code, "number": number}),
        }
        for number, published_at in procedure.versions.order_by("-number").values_list(
            "number", "published_at"
        )
    ]
    return detail


@api.get(
    "/v1/procedures/{code}/versions/{number}/",
    response={200: schemas.ProcedureVersionOut, 404: schemas.Error},
    tags=["procedures"],
    summary="One published version of a procedure, as it was",
    url_name="procedure_version",
)
def procedure_version(request: HttpRequest, code: Path[str], number: Path[int]) -> dict[str, Any]:
    version = procedure_selectors.procedure_version(code[:40], number)
    if version is None:
        raise _not_found(_("This procedure has no such version."))
    procedure = version.procedure
    return _version_out(
        version, is_current=procedure.is_published and procedure.current_version_id == version.pk
    )


# --- Sectors and agencies ------------------------------------------------------------------


@api.get(
    "/v1/sectors/",
    response=list[schemas.SectorOut],
    tags=["catalogue"],
    summary="Sectors with published procedures",
)
@paginate(LimitOffsetPagination)
def sector_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {"code": sector.code, "name": sector.name, "procedures": total}
        for sector, total in procedure_selectors.sectors_with_counts()
    ]


def _agencies() -> QuerySet[Agency]:
    return (
        Agency.objects.filter(is_active=True)
        .select_related("parent")
        .prefetch_related(
            Prefetch(
                "children", queryset=Agency.objects.filter(is_active=True).only("code", "parent")
            )
        )
        .annotate(total=Count("procedures", filter=Q(procedures__is_published=True)))
        .order_by("code")
    )


def _agency_out(agency: Agency) -> dict[str, Any]:
    return {
        "code": agency.code,
        "name": agency.name,
        "short_name": agency.short_name,
        "level": agency.level,
        "level_label": str(Agency.Level(agency.level).label),
        "parent": agency.parent.code if agency.parent else None,
        "children": [child.code for child in agency.children.all()],
        "address": agency.address,
        "phone": agency.phone,
        "hotline": agency.hotline,
        "email": agency.email,
        "procedures": agency.total,  # type: ignore[attr-defined]
    }


@api.get(
    "/v1/agencies/",
    response=list[schemas.AgencyOut],
    tags=["catalogue"],
    summary="Agencies with their place in the hierarchy",
)
@paginate(LimitOffsetPagination)
def agency_list(
    request: HttpRequest,
    level: Literal["province", "district", "commune"] | None = Query(None),
    parent: str = Query("", description="Only the children of the agency with this code."),
) -> list[dict[str, Any]]:
    agencies = _agencies()
    if level:
        agencies = agencies.filter(level=level)
    if parent:
        agencies = agencies.filter(parent__code=parent.strip()[:20])
    return [_agency_out(agency) for agency in agencies]


@api.get(
    "/v1/agencies/{code}/",
    response={200: schemas.AgencyOut, 404: schemas.Error},
    tags=["catalogue"],
    summary="One agency",
)
def agency_detail(request: HttpRequest, code: Path[str]) -> dict[str, Any]:
    agency = _agencies().filter(code=code[:20]).first()
    if agency is None:
        raise _not_found(_("No agency has this code."))
    return _agency_out(agency)


# --- Statistics ----------------------------------------------------------------------------


@api.get(
    "/v1/statistics/",
    response=schemas.StatisticsOut,
    tags=["statistics"],
    summary="This year's public statistics, as on /thong-ke/",
)
def statistics(request: HttpRequest) -> dict[str, Any]:
    from reporting.statistics import public_statistics

    data = public_statistics()
    totals = data["totals"]

    def line(row: dict[str, Any]) -> dict[str, Any]:
        return {
            "code": row["code"],
            "name": row["name"],
            "received": row["received"],
            "processed": row["processed"],
            "on_time_rate": row["on_time_rate"],
            "online_share": row.get("online_share"),
        }

    return {
        "year": data["year"],
        "as_of": data["as_of"].isoformat(),
        "received": totals["received"],
        "processed": totals["processed"],
        "on_time_rate": totals["on_time_rate"],
        "online_share": totals["online_share"],
        "agencies": [line(row) for row in data["agencies"]],
        "procedures": [line(row) for row in data["procedures"]],
    }


@api.get(
    "/v1/service-index/",
    response={200: schemas.ServiceIndexOut, 404: schemas.Error},
    tags=["statistics"],
    summary="The Decision 766/QĐ-TTg service index of the province or one agency",
)
def service_index(
    request: HttpRequest,
    kind: Literal["month", "quarter", "half", "year"] = Query("month"),
    year: int | None = Query(None, ge=2015, le=2100),
    number: int = Query(0, ge=0, le=12, description="Month, quarter or half; 0: the current."),
    agency: str = Query("", description="An agency's code; empty: the whole province."),
) -> dict[str, Any]:
    from reporting.figures import AGENCY, Scope

    from . import service_index as si
    from .forms import LIMITS, default_number

    today = timezone.localdate()
    if number > LIMITS[kind]:
        raise HttpError(
            422, _("For this period choose a number from 1 to %(last)s.") % {"last": LIMITS[kind]}
        )
    period = si.period_of(kind, year or today.year, number or default_number(kind))
    scope = Scope()
    if agency:
        found = Agency.objects.filter(code=agency.strip()[:20]).values_list("pk", flat=True).first()
        if found is None:
            raise _not_found(_("No agency has this code."))
        scope = Scope(kind=AGENCY, agency_id=found)
    result = si.service_index(period=period, scope=scope).as_dict()
    result["ranking"] = [] if agency else si.agency_ranking(period=period)
    return result


# --- Dossier status ------------------------------------------------------------------------


@api.get(
    "/v1/dossiers/{code}/",
    response={200: schemas.DossierStatus, 404: schemas.Error, 429: schemas.Error},
    tags=["dossiers"],
    summary="Where a dossier is, by its code (the facts of the lookup page)",
)
def dossier_status(request: HttpRequest, code: Path[str]) -> dict[str, Any]:
    request.api_cache_control = NO_STORE  # type: ignore[attr-defined]
    caller: Caller = request.auth  # type: ignore[attr-defined]
    if caller.partner is None and not _unlimited():
        # The lookup page's own budget: guessing codes costs the same here as there.
        counted = ratelimit.take("lookup", caller.address, limit=int(settings.LOOKUP_RATE_LIMIT))
        if not counted.allowed:
            raise RateLimited(counted.retry_after)
    normalised = normalise_code(code[:100])
    row = (
        dossier_selectors.public_dossier_row(normalised)
        if normalised and len(normalised) <= CODE_MAX_LENGTH
        else None
    )
    if row is None:
        raise _not_found(_("No dossier has this code. Check the code on your receipt."))
    result = lookup_result(row)
    return {
        "code": result.code,
        "procedure": result.procedure_name,
        "agency": result.agency_name,
        "state": result.state,
        "state_label": result.state_label,
        "next_step": result.next_step,
        "applicant_masked": result.masked_name,
        "received_at": result.received_at,
        "appointment_at": result.appointment_at,
        "finished_at": result.finished_at,
        "delivered_at": result.delivered_at,
    }


__all__ = ["api"]
