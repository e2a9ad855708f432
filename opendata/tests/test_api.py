"""The public API: schema, catalogue, agencies, statistics, dossier status, caching, errors."""

import pytest
from django.urls import reverse
from openapi_spec_validator import validate

from dossiers.tests.factories import DossierFactory
from procedures import services as procedure_services
from procedures.tests.factories import ProcedureFactory, SectorFactory
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db


def get(client, path, **headers):
    return client.get(path, headers=headers)


def test_the_openapi_schema_is_valid_and_lists_every_endpoint(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    validate(schema)  # raises on an invalid OpenAPI document
    assert set(schema["paths"]) == {
        "/api/v1/procedures/",
        "/api/v1/procedures/{code}/",
        "/api/v1/procedures/{code}/versions/{number}/",
        "/api/v1/sectors/",
        "/api/v1/agencies/",
        "/api/v1/agencies/{code}/",
        "/api/v1/statistics/",
        "/api/v1/service-index/",
        "/api/v1/dossiers/{code}/",
    }
    summary = schema["components"]["schemas"]["ProcedureSummary"]["properties"]
    assert summary["code"]["title"] == "Mã thủ tục"  # Vietnamese labels beside English names
    assert summary["online_service"]["title"] == "Dịch vụ công trực tuyến"
    assert schema["components"]["securitySchemes"]["PartnerKeyAuth"]["name"] == "X-API-Key"


def test_the_docs_page_serves_its_own_files_not_a_cdn(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui-bundle.js" in html
    assert "cdn." not in html and "https://" not in html


def test_existing_api_paths_keep_working(client):
    assert client.get(reverse("portal:health")).status_code in (200, 503)
    assert reverse("lookup:sms_inbound") == "/api/sms/inbound/"
    assert reverse("payments:vnpay_ipn").startswith("/api/thanh-toan/")


@pytest.fixture
def catalogue():
    province = AgencyFactory(code="000.00.00.H45", name="UBND tỉnh", level="province")
    justice = AgencyFactory(
        code="000.00.01.H45", name="Sở Tư pháp", level="province", parent=province
    )
    town = AgencyFactory(code="000.00.20.H45", name="UBND thị xã", level="district")
    civil = SectorFactory(code="LV-HT", name="Hộ tịch")
    building = SectorFactory(code="LV-XD", name="Xây dựng")
    p1 = ProcedureFactory(
        code="1.000001",
        name="Đăng ký khai sinh",
        agency=justice,
        sector=civil,
        level4=True,
        documents=2,
        fees=1,
        published=True,
    )
    p2 = ProcedureFactory(
        code="1.000002", name="Cấp giấy phép xây dựng", agency=town, sector=building, published=True
    )
    hidden = ProcedureFactory(code="1.000003", name="Thủ tục chưa công bố", agency=town)
    return {
        "province": province,
        "justice": justice,
        "town": town,
        "p1": p1,
        "p2": p2,
        "hidden": hidden,
    }


def test_the_procedure_list_is_paginated_and_filtered(client, catalogue):
    body = client.get("/api/v1/procedures/").json()
    assert body["count"] == 2
    assert [item["code"] for item in body["items"]] == ["1.000001", "1.000002"]
    first = body["items"][0]
    assert first["online_service"] == "fully_online"
    assert first["level"] == 4 and first["current_version"] == 1
    assert first["agency"] == {"code": "000.00.01.H45", "name": "Sở Tư pháp"}
    assert first["url"] == "/thu-tuc/1.000001/"
    assert body["items"][1]["online_service"] == "partly_online"

    page = client.get("/api/v1/procedures/?limit=1&offset=1").json()
    assert page["count"] == 2 and [i["code"] for i in page["items"]] == ["1.000002"]
    assert [i["code"] for i in client.get("/api/v1/procedures/?sector=LV-XD").json()["items"]] == [
        "1.000002"
    ]
    online = client.get("/api/v1/procedures/?online_service=fully_online").json()
    assert [i["code"] for i in online["items"]] == ["1.000001"]
    district = client.get("/api/v1/procedures/?agency_level=district").json()
    assert [i["code"] for i in district["items"]] == ["1.000002"]
    searched = client.get("/api/v1/procedures/?q=khai sinh").json()  # without diacritics too
    assert [i["code"] for i in searched["items"]] == ["1.000001"]
    assert client.get("/api/v1/procedures/?q=khai%20sinh").json() == searched


def test_a_procedure_with_its_parts_and_its_past_versions(client, catalogue):
    p1 = catalogue["p1"]
    p1.name = "Đăng ký khai sinh (sửa đổi)"
    p1.save()
    procedure_services.procedure_record_edit(procedure=p1, actor=None)
    detail = client.get("/api/v1/procedures/1.000001/").json()
    assert detail["version"] == 2 and detail["is_current"] is True
    assert detail["name"] == "Đăng ký khai sinh (sửa đổi)"
    assert [v["number"] for v in detail["versions"]] == [2, 1]
    assert len(detail["documents"]) == 2 and detail["documents"][0]["form_label"]
    assert detail["fees"][0]["amount"] > 0
    assert detail["legal_bases"] == ["Nghị định 61/2018/NĐ-CP"]
    old = client.get(detail["versions"][1]["url"]).json()
    assert old["version"] == 1 and old["is_current"] is False
    assert old["name"] == "Đăng ký khai sinh"


def test_unpublished_and_unknown_procedures_are_not_found_in_vietnamese(client, catalogue):
    response = client.get("/api/v1/procedures/1.000003/")
    assert response.status_code == 404
    assert response.json()["detail"] == "Không có thủ tục đang công bố với mã này."
    assert client.get("/api/v1/procedures/1.000001/versions/9/").status_code == 404
    assert "1.000003" not in client.get("/api/v1/procedures/").content.decode()


def test_invalid_parameters_get_a_vietnamese_message(client, catalogue):
    response = client.get("/api/v1/procedures/?level=9&limit=0")
    assert response.status_code == 422
    body = response.json()
    assert body["fields"] == ["level", "limit"]
    assert body["detail"].startswith("Các tham số sau không hợp lệ")
    assert client.get("/api/v1/procedures/1.000001/versions/abc/").status_code == 422


def test_sectors_and_the_agency_hierarchy(client, catalogue):
    sectors = client.get("/api/v1/sectors/").json()
    assert {(s["code"], s["procedures"]) for s in sectors["items"]} == {("LV-HT", 1), ("LV-XD", 1)}
    agencies = client.get("/api/v1/agencies/").json()["items"]
    province = next(a for a in agencies if a["code"] == "000.00.00.H45")
    assert province["children"] == ["000.00.01.H45"] and province["parent"] is None
    children = client.get("/api/v1/agencies/?parent=000.00.00.H45").json()["items"]
    assert [a["code"] for a in children] == ["000.00.01.H45"]
    justice = client.get("/api/v1/agencies/000.00.01.H45/").json()
    assert justice["parent"] == "000.00.00.H45" and justice["procedures"] == 1
    assert justice["level_label"] == "Cấp tỉnh"
    assert client.get("/api/v1/agencies/999.99.99.H45/").status_code == 404


def test_answers_carry_an_etag_and_a_matching_request_gets_304(client, catalogue):
    first = client.get("/api/v1/procedures/")
    assert first["Cache-Control"] == "public, max-age=300"
    etag = first["ETag"]
    again = get(client, "/api/v1/procedures/", **{"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag
    catalogue["p2"].name = "Cấp giấy phép xây dựng mới"
    catalogue["p2"].save()
    changed = get(client, "/api/v1/procedures/", **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_statistics_are_this_years_public_figures(client):
    from reporting.tests.data import build_dataset, build_world

    build_dataset(build_world())
    body = client.get("/api/v1/statistics/").json()
    html_codes = {"000.00.01.H45", "000.00.02.H45"}
    assert {line["code"] for line in body["agencies"]} <= html_codes
    assert body["received"] == sum(line["received"] for line in body["agencies"])


def test_dossier_status_shows_the_lookup_pages_masked_facts_and_is_not_cached(client):
    dossier = DossierFactory(
        processing=True,
        code="000.00.01.H45-261124-0007",
        applicant_name="Nguyễn Văn An",
    )
    response = client.get("/api/v1/dossiers/000.00.01.h45-261124-0007/")
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == dossier.code
    assert body["applicant_masked"] == "Nguyễn V** A**"
    assert body["state"] == "processing" and body["state_label"] == "Đang xử lý"
    assert response["Cache-Control"] == "private, no-store"
    assert "ETag" not in response
    missing = client.get("/api/v1/dossiers/000.00.01.H45-261124-9999/")
    assert missing.status_code == 404
    assert "Không có hồ sơ nào có mã này" in missing.json()["detail"]


def test_a_draft_is_never_shown(client):
    DossierFactory(code="000.00.01.H45-261124-0008")
    assert client.get("/api/v1/dossiers/000.00.01.H45-261124-0008/").status_code == 404


def test_every_listed_procedure_has_the_documented_shape(client, catalogue):
    from opendata.schemas import PagedProcedureSummary

    body = client.get("/api/v1/procedures/").json()
    # Written out without per-item validation: the schema must still accept it as it is.
    assert PagedProcedureSummary.model_validate(body).model_dump(mode="json") == body
    assert body["items"][0]["url"] == reverse("procedures:detail", kwargs={"code": "1.000001"})


def test_the_list_is_answered_from_the_cache_until_the_catalogue_changes(client, catalogue):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = client.get("/api/v1/procedures/?limit=10")
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/api/v1/procedures/?limit=10&unknown=1")
    assert len(queries) == 0 and again.content == first.content
    assert again["ETag"] == first["ETag"]
    # A renamed sector and a renamed procedure show at once.
    sector = catalogue["p2"].sector
    sector.name = "Xây dựng và kiến trúc"
    sector.save()
    items = client.get("/api/v1/procedures/?limit=10").json()["items"]
    assert items[1]["sector"]["name"] == "Xây dựng và kiến trúc"
    catalogue["p1"].is_published = False
    catalogue["p1"].save()
    assert [i["code"] for i in client.get("/api/v1/procedures/?limit=10").json()["items"]] == [
        "1.000002"
    ]


def test_without_the_cache_every_list_reads_the_catalogue(client, catalogue, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.API_CACHE_SECONDS = 0
    client.get("/api/v1/procedures/")
    with CaptureQueriesContext(connection) as queries:
        client.get("/api/v1/procedures/")
    assert len(queries) == 2  # the page and the count, whatever the page's length
