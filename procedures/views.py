"""Public pages of the catalogue: search, a procedure (any version), sectors and agencies."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import PurePosixPath
from typing import Any

from django.core.files.storage import default_storage
from django.core.paginator import Page, Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from portal.models import Agency
from portal.params import page_number

from . import presenters, selectors
from .models import Procedure, ProcedureVersion, Sector, ServiceLevel
from .selectors import AGENCY_LEVEL_PARAMS, CatalogueFilters
from .usage import procedure_usage

PER_PAGE = 20
PAGE_PARAM = "trang"
AGENCY_LEVEL_ORDER = [Agency.Level.PROVINCE, Agency.Level.DISTRICT, Agency.Level.COMMUNE]


# --- Helpers ---------------------------------------------------------------------------------


def _paginate(request: HttpRequest, items: Any) -> Page:
    """A page of the list; a junk number gives page 1, one past the end the last page."""
    paginator = Paginator(items, PER_PAGE)
    return paginator.get_page(page_number(request.GET.get(PAGE_PARAM)))


def _page_links(page: Page) -> list[int | str]:
    return list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))


def _list_url(params: QueryDict, changes: dict[str, str | None]) -> str:
    """The catalogue with these parameters changed (None removes one); back to page 1."""
    query = params.copy()
    query.pop(PAGE_PARAM, None)
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    encoded = query.urlencode()
    return reverse("procedures:list") + (f"?{encoded}" if encoded else "")


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    selected: bool = False


@dataclass(frozen=True)
class Facet:
    label: str
    count: int
    url: str
    selected: bool


@dataclass(frozen=True)
class ActiveFilter:
    label: str
    value: str
    remove_url: str


# --- Catalogue -------------------------------------------------------------------------------


def _catalogue(
    request: HttpRequest, filters: CatalogueFilters, *, sector: Sector | None = None
) -> HttpResponse:
    result = selectors.catalogue_search(filters)
    page = _paginate(request, result.procedures)

    # Links keep every filter, the sector preset by a sector page included.
    params = request.GET.copy()
    if sector is not None:
        params["linh-vuc"] = sector.code

    sector_names = {item.code: item.name for item, _total in selectors.sectors_with_counts()}
    sector_options = [
        Option(code, name, selected=code == filters.sector) for code, name in sector_names.items()
    ]
    agencies = [a for a in selectors.agencies_with_counts() if getattr(a, "total", 0)]
    agency_names = {agency.code: agency.name for agency in agencies}
    agency_groups = [
        (
            Agency.Level(level).label,
            [
                Option(agency.code, agency.name, selected=agency.code == filters.agency)
                for agency in agencies
                if agency.level == level
            ],
        )
        for level in AGENCY_LEVEL_ORDER
    ]
    agency_groups = [(label, options) for label, options in agency_groups if options]
    agency_level_options = [
        Option(param, str(Agency.Level(level).label), selected=param == filters.agency_level)
        for param, level in AGENCY_LEVEL_PARAMS.items()
    ]
    level_options = [
        Option(str(level), str(ServiceLevel(level).label), selected=level == filters.level)
        for level in ServiceLevel.values
    ]

    sector_facets = [
        Facet(
            label=item.name,
            count=total,
            url=_list_url(params, {"linh-vuc": None if item.code == filters.sector else item.code}),
            selected=item.code == filters.sector,
        )
        for item, total in result.sector_counts
    ]
    level_facets = [
        Facet(
            label=str(ServiceLevel(level).label),
            count=result.level_counts.get(level, 0),
            url=_list_url(params, {"muc-do": None if level == filters.level else str(level)}),
            selected=level == filters.level,
        )
        for level in ServiceLevel.values
        if result.level_counts.get(level) or level == filters.level
    ]

    active: list[ActiveFilter] = []
    if filters.query:
        active.append(ActiveFilter(_("Search"), filters.query, _list_url(params, {"q": None})))
    if filters.sector:
        active.append(
            ActiveFilter(
                _("Sector"),
                sector_names.get(filters.sector, filters.sector),
                _list_url(params, {"linh-vuc": None}),
            )
        )
    if filters.agency:
        active.append(
            ActiveFilter(
                _("Agency"),
                agency_names.get(filters.agency, filters.agency),
                _list_url(params, {"co-quan": None}),
            )
        )
    if filters.agency_level:
        active.append(
            ActiveFilter(
                _("Agency level"),
                str(Agency.Level(AGENCY_LEVEL_PARAMS[filters.agency_level]).label),
                _list_url(params, {"cap": None}),
            )
        )
    if filters.level:
        active.append(
            ActiveFilter(
                _("Service level"),
                str(ServiceLevel(filters.level).label),
                _list_url(params, {"muc-do": None}),
            )
        )

    if filters.online_only:
        active.append(
            ActiveFilter(
                _("Submission"),
                _("Online (levels 3 and 4)"),
                _list_url(params, {"truc-tuyen": None}),
            )
        )

    context = {
        "filters": filters,
        "sector": sector,
        "page_obj": page,
        "page_links": _page_links(page),
        "procedures": [presenters.procedure_summary(procedure) for procedure in page],
        "total": page.paginator.count,
        "suggestion": result.suggestion,
        "sector_options": sector_options,
        "agency_groups": agency_groups,
        "agency_level_options": agency_level_options,
        "level_options": level_options,
        "sector_facets": sector_facets,
        "level_facets": level_facets,
        "active_filters": active,
        "clear_url": reverse("procedures:list"),
    }
    return render(request, "procedures/list.html", context)


@require_safe
def procedure_list(request: HttpRequest) -> HttpResponse:
    return _catalogue(request, CatalogueFilters.from_params(request.GET))


@require_safe
def sector_list(request: HttpRequest) -> HttpResponse:
    return render(request, "procedures/sectors.html", {"sectors": selectors.sectors_with_counts()})


@require_safe
def sector_detail(request: HttpRequest, code: str) -> HttpResponse:
    sector = get_object_or_404(Sector, code=code)
    filters = replace(CatalogueFilters.from_params(request.GET), sector=sector.code)
    return _catalogue(request, filters, sector=sector)


# --- A procedure -----------------------------------------------------------------------------


def _version_links(procedure: Procedure, code: str) -> list[dict[str, Any]]:
    return [
        {
            "number": number,
            "published_at": published_at,
            "url": reverse("procedures:version", kwargs={"code": code, "number": number}),
        }
        for number, published_at in procedure.versions.order_by("-number").values_list(
            "number", "published_at"
        )
    ]


def _procedure_response(
    request: HttpRequest,
    procedure: Procedure,
    version: ProcedureVersion,
    *,
    current: ProcedureVersion | None,
) -> HttpResponse:
    is_current = current is not None and current.pk == version.pk
    page = presenters.procedure_page(version.data)
    context = {
        "procedure": page,
        "version": version,
        "current": current,
        "is_current": is_current,
        "current_url": reverse("procedures:detail", kwargs={"code": procedure.code}),
        "versions": _version_links(procedure, procedure.code),
        "usage": presenters.usage_display(procedure_usage(procedure)) if is_current else None,
        "submit_url": (
            reverse("dossiers:submit", kwargs={"code": procedure.code})
            if is_current and page.accepts_online_submission
            else ""
        ),
    }
    return render(request, "procedures/detail.html", context)


@require_safe
def procedure_detail(request: HttpRequest, code: str) -> HttpResponse:
    procedure = selectors.procedure_for_public(code)
    if procedure is None or procedure.current_version is None:
        raise Http404(_("No published procedure has this code."))
    return _procedure_response(
        request, procedure, procedure.current_version, current=procedure.current_version
    )


@require_safe
def procedure_version(request: HttpRequest, code: str, number: int) -> HttpResponse:
    version = selectors.procedure_version(code, number)
    if version is None:
        raise Http404(_("This procedure has no such version."))
    procedure = version.procedure
    current = None
    if procedure.is_published and procedure.current_version_id:
        if procedure.current_version_id == version.pk:
            return redirect("procedures:detail", code=procedure.code)
        current = ProcedureVersion.objects.filter(pk=procedure.current_version_id).first()
    return _procedure_response(request, procedure, version, current=current)


@require_safe
def form_download(request: HttpRequest, code: str, document_id: int) -> FileResponse:
    """A form to fill in, as published in any version of the procedure (files are public)."""
    file_name = selectors.published_form_file(code, document_id)
    if not file_name or not default_storage.exists(file_name):
        raise Http404(_("This form is not available."))
    response = FileResponse(
        default_storage.open(file_name, "rb"),
        as_attachment=True,
        filename=PurePosixPath(file_name).name,
    )
    response["Cache-Control"] = "public, max-age=86400"
    return response


# --- Agencies --------------------------------------------------------------------------------


@require_safe
def agency_list(request: HttpRequest) -> HttpResponse:
    agencies = list(selectors.agencies_with_counts())
    groups = [
        (Agency.Level(level).label, [agency for agency in agencies if agency.level == level])
        for level in AGENCY_LEVEL_ORDER
    ]
    return render(
        request,
        "procedures/agencies.html",
        {"groups": [(label, items) for label, items in groups if items]},
    )


@require_safe
def agency_detail(request: HttpRequest, code: str) -> HttpResponse:
    agency = get_object_or_404(Agency.objects.select_related("parent"), code=code, is_active=True)
    departments = agency.departments.filter(is_active=True).order_by("-is_one_stop_desk", "name")
    procedures = (
        Procedure.published.filter(agency=agency)
        .select_related("sector", "agency")
        .order_by("sector__position", "sector__name", "name")
    )
    page = _paginate(request, procedures)
    context = {
        "agency": agency,
        "departments": list(departments),
        "page_obj": page,
        "page_links": _page_links(page),
        "procedures": [presenters.procedure_summary(procedure) for procedure in page],
        "total": page.paginator.count,
        "search_url": _list_url(QueryDict(), {"co-quan": agency.code}),
    }
    return render(request, "procedures/agency.html", context)
