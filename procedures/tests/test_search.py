"""The public catalogue: search with or without accents, filters, pagination, near matches."""

import re

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import ngettext

from portal.demo import load_catalogue
from portal.services import organisation_import
from procedures import selectors, services
from procedures.catalogue_io import catalogue_import
from procedures.models import Procedure
from procedures.selectors import CatalogueFilters

BUILDING_PERMIT = "1.013225"
BUILDING_PERMIT_NAME = "Cấp giấy phép xây dựng mới đối với công trình cấp III"
TUY_HOA = "000.00.21.H45"  # UBND thành phố Tuy Hòa, a district-level agency

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    data = load_catalogue()
    organisation_import(agencies=data["agencies"])
    catalogue_import(data=data, actor=None)
    return data


def listed_codes(response) -> list[str]:
    return re.findall(r'href="/thu-tuc/([0-9.A-Za-z]+)/"', response.content.decode())


def search(client, **params):
    response = client.get(reverse("procedures:list"), params)
    assert response.status_code == 200
    return response


@pytest.mark.parametrize(
    "query",
    [
        "giay phep xay dung",
        "GIẤY PHÉP XÂY DỰNG",
        "Cấp giấy phép",
        "cấp GIẤY phép xây dựng mới",
        "  giấy   phép  xây dựng ",
    ],
)
def test_search_ignores_accents_case_and_spacing(client, catalogue, query):
    response = search(client, q=query)
    assert BUILDING_PERMIT in listed_codes(response)
    assert BUILDING_PERMIT_NAME in response.content.decode()


def test_search_by_code_puts_that_procedure_first(client, catalogue):
    response = search(client, q=BUILDING_PERMIT)
    assert listed_codes(response)[0] == BUILDING_PERMIT
    assert response.context["total"] == 1


def test_every_word_must_match(client, catalogue):
    codes = listed_codes(search(client, q="giay phep xay dung"))
    assert codes
    for code in codes:
        name = Procedure.objects.get(code=code).search_text
        assert "giay phep" in name
        assert "xay dung" in name


def test_result_count_is_shown(client, catalogue):
    response = search(client, q="giay phep xay dung")
    total = response.context["total"]
    assert total == len(listed_codes(response)) >= 3
    with translation.override("vi"):
        heading = ngettext("Found %(counter)s procedure", "Found %(counter)s procedures", total)
    assert heading % {"counter": total} in response.content.decode()


def test_filter_by_sector(client, catalogue):
    response = search(client, **{"linh-vuc": "XAYDUNG"})
    codes = listed_codes(response)
    assert BUILDING_PERMIT in codes
    assert set(Procedure.objects.filter(code__in=codes).values_list("sector__code", flat=True)) == {
        "XAYDUNG"
    }


def test_filter_by_agency(client, catalogue):
    codes = listed_codes(search(client, **{"co-quan": TUY_HOA}))
    assert BUILDING_PERMIT in codes
    assert set(Procedure.objects.filter(code__in=codes).values_list("agency__code", flat=True)) == {
        TUY_HOA
    }


def test_filter_by_agency_level(client, catalogue):
    district = listed_codes(search(client, cap="huyen"))
    province = listed_codes(search(client, cap="tinh"))
    assert BUILDING_PERMIT in district
    assert BUILDING_PERMIT not in province
    assert set(
        Procedure.objects.filter(code__in=province).values_list("agency__level", flat=True)
    ) == {"province"}


def test_filter_by_service_level(client, catalogue):
    level_3 = listed_codes(search(client, **{"muc-do": "3"}))
    level_4 = listed_codes(search(client, **{"muc-do": "4"}))
    assert BUILDING_PERMIT in level_3
    assert BUILDING_PERMIT not in level_4
    assert set(Procedure.objects.filter(code__in=level_4).values_list("level", flat=True)) == {4}


def test_filters_combine_with_the_query(client, catalogue):
    response = search(
        client, q="giay phep", **{"linh-vuc": "XAYDUNG", "co-quan": TUY_HOA, "cap": "huyen"}
    )
    assert listed_codes(response) == [BUILDING_PERMIT]
    assert len(response.context["active_filters"]) == 4
    # No level-4 building permit: nothing exact (PostgreSQL may suggest near matches).
    level_4 = search(client, q="giay phep xay dung", **{"muc-do": "4"})
    assert BUILDING_PERMIT not in listed_codes(level_4)
    assert level_4.context["suggestion"] or listed_codes(level_4) == []
    assert set(
        Procedure.objects.filter(code__in=listed_codes(level_4)).values_list("level", flat=True)
    ) <= {4}


def test_active_filters_have_remove_links(client, catalogue):
    response = search(client, q="giay phep", **{"linh-vuc": "XAYDUNG"})
    by_label = {item.label: item for item in response.context["active_filters"]}
    sector_filter = next(item for item in by_label.values() if item.value == "Hoạt động xây dựng")
    assert "linh-vuc" not in sector_filter.remove_url
    assert "q=giay+phep" in sector_filter.remove_url
    assert sector_filter.remove_url in response.content.decode().replace("&amp;", "&")


def test_facets_count_the_matches(client, catalogue):
    response = search(client, q="giay phep xay dung")
    sectors = {facet.label: facet.count for facet in response.context["sector_facets"]}
    assert sectors["Hoạt động xây dựng"] == response.context["total"]
    levels = {facet.label: facet.count for facet in response.context["level_facets"]}
    assert sum(levels.values()) == response.context["total"]


def test_unknown_filter_values_are_ignored(client, catalogue):
    everything = search(client).context["total"]
    assert search(client, cap="vu-tru", **{"muc-do": "9"}).context["total"] == everything


def test_unpublished_procedures_are_not_listed(client, catalogue):
    procedure = Procedure.objects.get(code=BUILDING_PERMIT)
    services.procedure_unpublish(procedure=procedure, actor=None)
    assert BUILDING_PERMIT not in listed_codes(search(client, q="giay phep xay dung"))
    assert BUILDING_PERMIT not in listed_codes(search(client, q=BUILDING_PERMIT))
    assert BUILDING_PERMIT not in listed_codes(search(client, **{"linh-vuc": "XAYDUNG"}))


@pytest.mark.parametrize(
    ("page", "expected"),
    [("2", 2), ("abc", 1), ("0", 3), ("-1", 3), ("999", 3), ("9" * 40, 3), ("", 1), ("1.5", 1)],
)
def test_pagination_never_fails(client, catalogue, page, expected):
    # 45 procedures, 20 a page: 3 pages. Junk gives page 1, out of range the last page.
    response = search(client, trang=page)
    assert response.context["page_obj"].number == expected
    assert len(listed_codes(response)) == (5 if expected == 3 else 20)


def test_pagination_links_keep_the_filters(client, catalogue):
    level_3 = Procedure.published.filter(level=3).count()
    assert level_3 > 20  # two pages in the sample
    response = search(client, **{"muc-do": "3"})
    assert response.context["page_obj"].paginator.num_pages == 2
    content = response.content.decode()
    assert 'href="?muc-do=3&amp;trang=2"' in content
    second = search(client, **{"muc-do": "3", "trang": "2"})
    assert len(listed_codes(second)) == level_3 - 20
    assert 'href="?muc-do=3&amp;trang=1"' in second.content.decode()


def test_list_queries_are_bounded(client, catalogue, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        response = search(client, q="giay phep", cap="huyen", trang="1")
    assert response.context["total"] > 0
    with django_assert_max_num_queries(10):
        response = search(client)
    assert len(response.context["procedures"]) == 20


def test_near_match_suggestion(client, catalogue):
    # A typing mistake: "xay dunk". Corrected on every database (SQLite too, see
    # test_search_relevance.py).
    filters = CatalogueFilters.from_params({"q": "giay phep xay dunk"})
    result = selectors.catalogue_search(filters)
    response = search(client, q="giay phep xay dunk")
    assert result.suggestion is True
    assert BUILDING_PERMIT in listed_codes(response)
    assert response.context["suggestion"] is True


def test_nothing_found_shows_help(client, catalogue):
    response = search(client, q="khong co thu tuc nao nhu the nay")
    assert response.context["total"] == 0
    assert 'href="/linh-vuc/"' in response.content.decode()


def test_online_filter_keeps_levels_3_and_4(client, catalogue):
    response = client.get("/thu-tuc/", {"truc-tuyen": "1"})
    assert response.status_code == 200
    codes = {item.code for item in response.context["procedures"]}
    levels = set(Procedure.objects.filter(code__in=codes).values_list("level", flat=True))
    assert codes and levels <= {3, 4}
    assert 'name="truc-tuyen" value="1" checked' in response.content.decode()
