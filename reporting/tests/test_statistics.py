"""The public statistics page: this year's figures per agency and procedure, charts and tables."""

import re

import pytest
from django.urls import reverse

from dossiers.models import Dossier
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def row_cells(html: str, agency_code: str) -> list[str]:
    row = re.search(rf'<tr data-agency="{re.escape(agency_code)}">(.*?)</tr>', html, re.S).group(1)
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
    ]


def test_anyone_sees_this_years_figures_per_agency(client, dataset):
    response = client.get(reverse("statistics:statistics"))
    assert response.status_code == 200
    html = response.content.decode()
    # 2026 so far: agency A received #4, #5, #8, #10 (all online), settled #10 late;
    # agency B received #6, #7, #9, #12 (one online), settled #6 on time and #7 late.
    assert row_cells(html, "000.00.01.H45") == ["Sở Tư pháp", "4", "1", "0,0", "100,0", "–"]
    assert row_cells(html, "000.00.02.H45") == ["Sở Xây dựng", "4", "2", "50,0", "25,0", "–"]
    assert 'role="img"' in html and 'id="chart-on-time"' in html and 'id="chart-online"' in html
    assert 'width="400"' in html  # 50 % of agency B on time is half of the 800-unit track
    assert "1.000002" in html  # the most used procedures


def test_names_are_escaped(client, dataset):
    dataset["A"].name = "<script>alert(1)</script>"
    dataset["A"].save()
    html = client.get(reverse("statistics:statistics")).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_an_empty_year(client):
    response = client.get(reverse("statistics:statistics"))
    assert response.status_code == 200
    assert 'id="stat-totals"' in response.content.decode()


def test_the_satisfaction_column_shows_the_agencys_average_rating(client, dataset):
    from feedback.models import Rating

    done = Dossier.objects.filter(agency=dataset["B"], state=Dossier.State.DONE)
    for dossier, stars in zip(done, (5, 4), strict=True):
        Rating.objects.create(
            dossier=dossier, agency=dataset["B"], rater=dossier.applicant, stars=stars
        )
    html = client.get(reverse("statistics:statistics")).content.decode()
    assert row_cells(html, "000.00.02.H45")[-1] == "4,50 (2)"
    assert row_cells(html, "000.00.01.H45")[-1] == "–"


def test_a_visitor_gets_a_page_shared_caches_may_keep(client):
    response = client.get(reverse("statistics:statistics"))
    assert response["Cache-Control"] == "public, max-age=300"
    assert "Cookie" in response["Vary"]


def test_a_signed_in_persons_page_is_never_kept_by_a_shared_cache(client):
    citizen = UserFactory(full_name="Võ Thị Hạnh")
    client.force_login(citizen)
    response = client.get(reverse("statistics:statistics"))
    # The header shows their name and a log-out form with their CSRF token.
    assert "Võ Thị Hạnh" in response.content.decode()
    assert response["Cache-Control"] == "private, no-store"
    assert "public" not in response["Cache-Control"]
    assert "Cookie" in response["Vary"]
