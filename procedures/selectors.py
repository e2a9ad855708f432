"""Reads of the public catalogue."""

from __future__ import annotations

import difflib
import operator
from dataclasses import dataclass, field
from functools import lru_cache, reduce
from typing import Any

from django.db.models import (
    Case,
    Count,
    ExpressionWrapper,
    IntegerField,
    Max,
    Q,
    QuerySet,
    Value,
    When,
)

from portal.models import Agency

from .models import Procedure, ProcedureVersion, Sector, ServiceLevel
from .text import search_terms

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


# --- Search ---------------------------------------------------------------------------------
#
# A query is a few Vietnamese syllables ("giay khai sinh"), compared without diacritics with the
# procedure's `search_text` ("1.001193 thu tuc dang ky khai sinh"). Each word must match a whole
# syllable ("ho" is not "cho"); codes and numbers may match any part of a code. A procedure is
# listed when it has every word, or all but one in three with two of them side by side (so
# "giay khai sinh" also finds "Đăng ký khai sinh", not "giấy phép khai thác"); more words
# matched ranks higher, then the exact code, the words as one phrase, more neighbouring pairs,
# then popularity. When no procedure has every word, words the catalogue does not know
# are replaced by its nearest syllables ("sihn" → "sinh"), in Python on every database.


@dataclass(frozen=True)
class _QueryPlan:
    words: tuple[tuple[str, ...], ...]  # per word of the query, the syllables that count for it
    code: str
    corrected: bool = False

    @property
    def needed(self) -> int:
        return len(self.words) - len(self.words) // 3

    @property
    def phrase(self) -> str:
        return " ".join(choices[0] for choices in self.words)


def _syllable(term: str) -> Q:
    """`search_text` has `term` as a whole syllable (or, for codes and numbers, anywhere)."""
    if any(ch.isdigit() for ch in term):
        return Q(search_text__contains=term)
    return (
        Q(search_text=term)
        | Q(search_text__startswith=f"{term} ")
        | Q(search_text__endswith=f" {term}")
        | Q(search_text__contains=f" {term} ")
    )


def _word(choices: tuple[str, ...]) -> Q:
    return reduce(operator.or_, (_syllable(choice) for choice in choices))


def _count(conditions: list[Q]) -> ExpressionWrapper:
    """How many of `conditions` a row meets, in SQL."""
    if not conditions:
        return ExpressionWrapper(Value(0), output_field=IntegerField())
    counted = [
        Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())
        for condition in conditions
    ]
    return ExpressionWrapper(reduce(operator.add, counted), output_field=IntegerField())


def _matching(procedures: QuerySet[Procedure], plan: _QueryPlan) -> QuerySet[Any]:
    """The procedures that match, annotated with `words_matched`, `pairs_matched` and
    `match_rank`."""
    # A trigram GIN index on search_text serves these LIKE '% term %' on PostgreSQL.
    pairs = [
        reduce(
            operator.or_,
            (_syllable(f"{first} {second}") for first in left for second in right),
        )
        for left, right in zip(plan.words, plan.words[1:], strict=False)
    ]
    everything = len(plan.words)
    return (
        procedures.annotate(
            words_matched=_count([_word(choices) for choices in plan.words]),
            # Two neighbouring words of the query side by side ("khai sinh"): a missing word
            # is only forgiven next to such a pair, and more pairs rank higher.
            pairs_matched=_count(pairs),
            match_rank=Case(
                When(code=plan.code, then=Value(0)),
                When(_syllable(plan.phrase), then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            ),
        )
        .filter(words_matched__gte=plan.needed)
        .filter(Q(words_matched=everything) | Q(pairs_matched__gte=1))
    )


def _catalogue_syllables() -> frozenset[str]:
    """Every syllable of the published catalogue, kept per process until the catalogue changes
    (a typing mistake costs one small aggregate query, not a read of every procedure)."""
    version = _published().aggregate(count=Count("pk"), changed=Max("updated_at"))
    return _syllables_of_version(version["count"], version["changed"])


@lru_cache(maxsize=2)
def _syllables_of_version(count: int, changed: object) -> frozenset[str]:
    syllables: set[str] = set()
    for text in _published().values_list("search_text", flat=True).iterator():
        syllables.update(text.split())
    return frozenset(syllables)


def _corrected(plan: _QueryPlan) -> _QueryPlan | None:
    """The plan with each word the catalogue does not know replaced by its nearest syllables;
    None when there is nothing to correct."""
    known = _catalogue_syllables()
    words, changed = [], False
    for choices in plan.words:
        term = choices[0]
        if term in known or len(term) < 3 or any(ch.isdigit() for ch in term):
            words.append(choices)
            continue
        near = tuple(difflib.get_close_matches(term, known, n=3, cutoff=0.75))
        words.append(near or choices)
        changed = changed or bool(near)
    return _QueryPlan(tuple(words), plan.code, corrected=True) if changed else None


def _query_plan(procedures: QuerySet[Procedure], query: str) -> tuple[_QueryPlan, bool]:
    """How to match `query` among `procedures`, and whether the results are near matches (no
    procedure has every word as typed)."""
    terms = list(dict.fromkeys(search_terms(query)))
    plan = _QueryPlan(tuple((term,) for term in terms), code=query.strip())
    if _matching(procedures, plan).filter(words_matched=len(terms)).exists():
        return plan, False
    corrected = _corrected(plan)
    if corrected is not None and _matching(procedures, corrected).exists():
        return corrected, True
    return plan, True


def catalogue_procedures(filters: CatalogueFilters) -> QuerySet[Procedure]:
    """Published procedures matching the filters as the catalogue search matches them (no facet
    counts), for readers that order and page them themselves (the public API)."""
    base = _published()
    if filters.query and search_terms(filters.query):
        plan, _near = _query_plan(_apply_filters(base, filters), filters.query)
        base = _matching(base, plan)
    return _apply_filters(base, filters)


def catalogue_search(filters: CatalogueFilters) -> CatalogueResult:
    """Published procedures matching the filters, best matches and most used first."""
    base = _published()
    plan: _QueryPlan | None = None
    near = False
    if filters.query and search_terms(filters.query):
        plan, near = _query_plan(_apply_filters(base, filters), filters.query)
    matched = _matching(base, plan) if plan else base
    procedures = _apply_filters(matched, filters)
    ordering = ["-popularity", "name"]
    if plan:
        ordering = ["-words_matched", "match_rank", "-pairs_matched", *ordering]
    procedures = procedures.order_by(*ordering)
    suggestion = near and procedures.exists()

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
