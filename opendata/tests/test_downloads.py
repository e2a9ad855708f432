"""Open-data downloads: the catalogue and the monthly statistics as CSV and JSON."""

import csv
import io
import json
from datetime import date

import pytest
from django.urls import reverse

from opendata import downloads
from opendata.models import OpenDataFile
from opendata.tasks import regenerate_open_data
from reporting.tests.data import build_dataset, build_world

pytestmark = pytest.mark.django_db


def csv_rows(content: bytes) -> tuple[list[str], list[dict[str, str]]]:
    text = content.decode("utf-8-sig")
    meta = [line for line in text.splitlines() if line.startswith("#")]
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    return meta, list(csv.DictReader(io.StringIO(body)))


def test_the_catalogue_downloads_at_stable_urls_with_licence_and_time(client, settings):
    settings.OPEN_DATA_LICENCE = "CC BY 4.0"
    build_world()
    regenerate_open_data.delay()
    response = client.get("/du-lieu-mo/thu-tuc.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    document = json.loads(response.content)
    assert document["licence"] == "CC BY 4.0"
    assert document["generated_at"].startswith(str(date.today().year))
    assert [p["code"] for p in document["procedures"]] == ["1.000001", "1.000002", "1.000003"]
    assert document["procedures"][0]["online_service"] == "fully_online"

    response = client.get("/du-lieu-mo/thu-tuc.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    meta, rows = csv_rows(response.content)
    assert meta[0] == "# licence: CC BY 4.0" and meta[1].startswith("# generated_at: ")
    assert [row["code"] for row in rows] == ["1.000001", "1.000002", "1.000003"]
    assert rows[0]["agency_name"] == "Sở Tư pháp"  # Vietnamese text intact


def test_monthly_statistics_match_the_report_figures(client):
    build_dataset(build_world())
    downloads.open_data_regenerate(today=date(2026, 6, 20))
    document = json.loads(client.get("/du-lieu-mo/thong-ke-thang.json").content)
    months = {(row["month"], row["agency_code"]): row for row in document["months"]}
    periods = downloads.month_periods(date(2026, 6, 20))
    assert [p.label for p in periods][:2] == ["2024-07", "2024-08"] and len(periods) == 24
    assert (periods[-1].start, periods[-1].end) == (date(2026, 6, 1), date(2026, 6, 20))
    assert {row["month"] for row in document["months"]} <= {p.label for p in periods}
    from reporting.figures import Scope, dossier_figures
    from reporting.periods import Period

    january = dossier_figures(Period(date(2026, 1, 1), date(2026, 1, 31), "x"), Scope())
    for line in january["by_agency"]:
        row = months[("2026-01", line["code"])]
        assert (row["received"], row["processed"], row["on_time_rate"]) == (
            line["received"],
            line["processed"],
            line["on_time_rate"],
        )
    _meta, rows = csv_rows(client.get("/du-lieu-mo/thong-ke-thang.csv").content)
    assert len(rows) == len(document["months"])
    assert {row["month"] for row in rows} >= {"2026-01", "2026-06"}


def test_a_download_is_generated_on_first_use_and_answers_304_when_unchanged(client):
    build_world()
    assert not OpenDataFile.objects.exists()
    first = client.get("/du-lieu-mo/thu-tuc.json")
    assert first.status_code == 200
    assert first["Cache-Control"] == "public, max-age=3600"
    again = client.get("/du-lieu-mo/thu-tuc.json", headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304


def test_unknown_files_are_not_found(client):
    assert client.get("/du-lieu-mo/khac.csv").status_code == 404
    assert client.get("/du-lieu-mo/thu-tuc.exe").status_code == 404
    assert client.get("/du-lieu-mo/..%2Fsettings.py").status_code == 404


def test_the_open_data_page_links_every_file_and_the_licence(client, settings):
    settings.OPEN_DATA_LICENCE = "CC BY 4.0"
    response = client.get(reverse("opendata:index"))
    html = response.content.decode()
    for name in ("thu-tuc.csv", "thu-tuc.json", "thong-ke-thang.csv", "thong-ke-thang.json"):
        assert f'href="/du-lieu-mo/{name}"' in html
    assert "CC BY 4.0" in html


def test_beat_regenerates_the_downloads_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["regenerate-open-data"]
    assert entry["task"] == "opendata.tasks.regenerate_open_data"
