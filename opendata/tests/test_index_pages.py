"""The index pages: /can-bo/chi-so/ for leaders and IT staff, the index on /thong-ke/, the API."""

import re

import pytest
from django.urls import reverse

from portal.roles import Role
from tests.factories import UserFactory, staff_user

pytestmark = pytest.mark.django_db

MARCH = {"kind": "month", "year": "2026", "number": "3"}


def cells(html: str, row_id: str) -> list[str]:
    row = re.search(rf'<tr data-indicator="{re.escape(row_id)}">(.*?)</tr>', html, re.S).group(1)
    return [
        " ".join(re.sub(r"<[^>]+>", " ", cell).split())
        for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
    ]


def test_a_leader_sees_their_agencys_index_and_the_dossiers_that_cost_points(login_staff, march):
    leader = staff_user(Role.LEADER, agency=march["A"])
    client = login_staff(leader)
    # Another agency in the query is ignored: a leader sees only their own.
    response = client.get(reverse("service_index:index"), {**MARCH, "agency": "000.00.02.H45"})
    assert response.status_code == 200
    html = response.content.decode()
    assert cells(html, "2.1")[1:] == ["66.7 (2/3)", "13.33", "20"]
    assert "không đo được" in cells(html, "3.1")[1] or cells(html, "3.1")[1] == "chưa đo được"
    assert 'id="index-points">37.84<' in html
    assert 'id="costing-late"' in html and "X-0001" in html  # d2, settled late
    assert 'id="costing-unsatisfied"' in html
    assert 'id="chart-index-trend"' in html and 'tabindex="0"' in html
    assert response["Cache-Control"] == "private, no-store"


def test_it_staff_choose_any_agency_or_the_province_with_a_ranking(login_staff, march):
    client = login_staff(staff_user(Role.IT_ADMIN, agency=march["B"]))
    province = client.get(reverse("service_index:index"), MARCH).content.decode()
    assert 'id="index-ranking"' in province
    agency = client.get(reverse("service_index:index"), {**MARCH, "agency": "000.00.01.H45"})
    assert 'id="index-points">37.84<' in agency.content.decode()


def test_citizens_and_specialists_cannot_open_the_staff_index(client, login_staff, march):
    assert client.get(reverse("service_index:index")).status_code == 302
    specialist = login_staff(staff_user(Role.SPECIALIST, agency=march["A"]))
    assert specialist.get(reverse("service_index:index")).status_code == 403


def test_a_wrong_period_gets_a_vietnamese_message_and_keeps_the_choice(client, march):
    response = client.get(
        reverse("statistics:statistics"), {"kind": "quarter", "year": "2026", "number": "7"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "chọn số từ 1 đến 4" in html
    assert 'value="7"' in html  # what was typed stays
    bad_year = client.get(reverse("statistics:statistics"), {"year": "abc"}).content.decode()
    assert 'class="field-error"' in bad_year


def test_the_public_statistics_show_the_index_ranking_and_trend(client, march):
    html = client.get(reverse("statistics:statistics"), MARCH).content.decode()
    assert 'id="index-indicators"' in html and 'id="index-ranking"' in html
    assert 'id="index-trend"' in html
    assert "chưa đo được" in html or "không đo được" in html
    agency = client.get(reverse("statistics:statistics"), {**MARCH, "agency": "000.00.01.H45"})
    assert 'id="index-points">37.84<' in agency.content.decode()


def test_the_api_gives_the_index_and_the_ranking(client, march):
    body = client.get("/api/v1/service-index/", MARCH).json()
    assert [line["code"] for line in body["ranking"]] == ["000.00.02.H45", "000.00.01.H45"]
    one = client.get("/api/v1/service-index/", {**MARCH, "agency": "000.00.01.H45"}).json()
    assert one["points"] == "37.84" and one["score"] == "59.1" and one["ranking"] == []
    digitisation = next(g for g in one["groups"] if g["key"] == "digitisation")
    assert digitisation["points"] is None and digitisation["indicators"][0]["measured"] is False
    assert (
        client.get("/api/v1/service-index/", {"kind": "quarter", "number": "5"}).status_code == 422
    )
    assert client.get("/api/v1/service-index/", {"agency": "999.99.99.H45"}).status_code == 404


def test_the_open_data_page_is_public_to_visitors_and_private_to_signed_in_people(client):
    assert client.get("/du-lieu-mo/")["Cache-Control"] == "public, max-age=300"
    client.force_login(UserFactory())
    response = client.get("/du-lieu-mo/")
    assert response["Cache-Control"] == "private, no-store"
    assert "Cookie" in response["Vary"]
