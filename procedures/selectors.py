"""Reads of the public catalogue."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from portal.models import Agency

from .models import Procedure, ProcedureVersion, Sector, ServiceLevel
from .text import search_key, search_terms

AGENCY_LEVEL_PARAMS = {
    "tinh": Agency.Level.PROVINCE,
    "huyen": Agency.Level.DISTRICT,
    "xa": Agency.Level.COMMUNE,
}


@dataclass(frozen=True)
class CatalogueFilters:
    """What a person asked the catalogue for; unknown values are simply ignored."""

    query: str = ""
    sector: str = ""
    agency: str = ""
    agency_level: str = ""
    level: int | None = None
    online_only: bool = False

    @classmethod
    def from_params(cls, params: dict[str, str]) -> CatalogueFilters:
        level_param = params.get("muc-do", "").strip()
        level = int(level_param) if level_param in {"1", "2", "3", "4"} else None
        agency_level = params.get("cap", "").strip()
        return cls(
            query=params.get("q", "").strip()[:200],
            sector=params.get("linh-vuc", "").strip()[:30],
            agency=params.get("co-quan", "").strip()[:20],
            agency_level=agency_level if agency_level in AGENCY_LEVEL_PARAMS else "",
            level=level,
            online_only=params.get("truc-tuyen", "") == "1",
        )

    @property
    def is_empty(self) -> bool:
        return not (
            self.query
            or self.sector
            or self.agency
            or self.agency_level
            or self.level
            or self.online_only
        )


@dataclass
class CatalogueResult:
    procedures: QuerySet[Procedure]
    sector_counts: list[tuple[Sector, int]] = field(default_factory=list)
    level_counts: dict[int, int] = field(default_factory=dict)
    suggestion: bool = False  # the results are near matches, not exact ones


def _published() -> QuerySet[Procedure]:
    return Procedure.published.select_related("sector", "agency")


def _apply_filters(
    procedures: QuerySet[Procedure], filters: CatalogueFilters, *, skip: str = ""
) -> QuerySet[Procedure]:
    if filters.sector and skip != "sector":
        procedures = procedures.filter(sector__code=filters.sector)
    if filters.agency:
        procedures = procedures.filter(agency__code=filters.agency)
    if filters.agency_level:
        procedures = procedures.filter(agency__level=AGENCY_LEVEL_PARAMS[filters.agency_level])
    if filters.level and skip != "level":
        procedures = procedures.filter(level=filters.level)
    if filters.online_only and skip != "level":
        procedures = procedures.filter(level__gte=ServiceLevel.PARTLY_ONLINE)
    return procedures


def _apply_query(procedures: QuerySet[Procedure], query: str) -> QuerySet[Procedure]:
    terms = search_terms(query)
    for term in terms:
        # A trigram GIN index on search_text serves these LIKE '%term%' on PostgreSQL.
        procedures = procedures.filter(search_text__contains=term)
    key = search_key(query)
    return procedures.annotate(
        match_rank=Case(
            When(code=query.strip(), then=Value(0)),
            When(search_text__contains=f" {key}", then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    )


def catalogue_search(filters: CatalogueFilters) -> CatalogueResult:
    """Published procedures matching the filters, best matches and most used first."""
    base = _published()
    matched = _apply_query(base, filters.query) if filters.query else base
    procedures = _apply_filters(matched, filters)
    ordering = ["-popularity", "name"]
    if filters.query:
        ordering = ["match_rank", *ordering]
    procedures = procedures.order_by(*ordering)
    suggestion = False
    if filters.query and not procedures.exists():
        near = _near_matches(_apply_filters(base, filters), filters.query)
        if near is not None:
            procedures, suggestion = near, True

    sector_totals = dict(
        _apply_filters(matched, filters, skip="sector")
        .order_by()
        .values_list("sector_id")
        .annotate(total=Count("id"))
    )
    sectors = Sector.objects.filter(pk__in=sector_totals).order_by("position", "name")
    level_counts = dict(
        _apply_filters(matched, filters, skip="level")
        .order_by()
        .values_list("level")
        .annotate(total=Count("id"))
    )
    return CatalogueResult(
        procedures=procedures,
        sector_counts=[(sector, sector_totals[sector.pk]) for sector in sectors],
        level_counts=level_counts,
        suggestion=suggestion,
    )


def _near_matches(procedures: QuerySet[Procedure], query: str) -> QuerySet[Procedure] | None:
    """On PostgreSQL, procedures whose words resemble the query (typing mistakes)."""
    if connection.vendor != "postgresql":
        return None
    from django.contrib.postgres.search import TrigramWordSimilarity

    key = search_key(query)
    if len(key) < 4:
        return None
    near = (
        procedures.annotate(similarity=TrigramWordSimilarity(key, "search_text"))
        .filter(similarity__gte=0.5)
        .order_by("-similarity", "-popularity", "name")
    )
    return near if near.exists() else None


def procedure_for_public(code: str) -> Procedure | None:
    return _published().select_related("department", "current_version").filter(code=code).first()


def procedure_version(code: str, number: int) -> ProcedureVersion | None:
    """An older (or the current) published version; readable while the procedure exists."""
    return (
        ProcedureVersion.objects.select_related("procedure")
        .filter(procedure__code=code, number=number)
        .first()
    )


def published_form_file(code: str, document_id: int) -> str:
    """The stored name of a document's form in the procedure's versions ("" if none).

    Only names that a published version lists can be served, so no other stored file can be
    reached through this.
    """
    procedure = Procedure.objects.filter(code=code, is_published=True).first()
    if procedure is None:
        return ""
    for data in procedure.versions.order_by("-number").values_list("data", flat=True):
        for document in data.get("documents", []):
            if document.get("id") == document_id and document.get("template_file"):
                return str(document["template_file"])
    return ""


def sectors_with_counts() -> list[tuple[Sector, int]]:
    sectors = Sector.objects.annotate(
        total=Count("procedures", filter=Q(procedures__is_published=True))
    ).filter(total__gt=0)
    return [(sector, sector.total) for sector in sectors]


def agencies_with_counts() -> QuerySet[Agency]:
    return (
        Agency.objects.filter(is_active=True)
        .annotate(total=Count("procedures", filter=Q(procedures__is_published=True)))
        .order_by("code")
    )


def popular_procedures(limit: int = 6) -> QuerySet[Procedure]:
    return _published().order_by("-popularity", "-level", "name")[:limit]


def catalogue_counts() -> dict[int, int]:
    """Published procedures per service level."""
    return dict(Procedure.published.order_by().values_list("level").annotate(total=Count("id")))
