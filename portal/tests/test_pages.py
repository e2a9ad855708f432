import pytest
from django.db import connection
from django.test import override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_health_reports_database_and_cache(client, settings):
    response = client.get(reverse("portal:health"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    if settings.REDIS_URL:
        assert body["cache"] == "ok"


def test_home_page_is_vietnamese(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="vi"' in html
    for label in ("Thủ tục hành chính", "Tra cứu hồ sơ", "Hỏi đáp", "Thống kê", "Đăng nhập"):
        assert label in html, label
    assert "Điều khoản sử dụng" in html


def test_terms_page(client):
    response = client.get(reverse("portal:terms"))
    assert response.status_code == 200
    assert "Điều khoản sử dụng" in response.content.decode()


@override_settings(DEBUG=False)
def test_404_page_is_vietnamese(client):
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.content.decode()


@override_settings(DEBUG=False)
def test_403_page_is_vietnamese(client):
    from django.test import RequestFactory

    from portal.views import permission_denied

    request = RequestFactory().get("/")
    response = permission_denied(request)
    assert response.status_code == 403
    assert "không có quyền" in response.content.decode()


def test_500_page_renders_without_a_database(client):
    from django.test import RequestFactory

    from portal.views import server_error

    request = RequestFactory().get("/")
    with connection.execute_wrapper(_refuse_queries):
        response = server_error(request)
    assert response.status_code == 500
    assert "đã có lỗi xảy ra" in response.content.decode()


def _refuse_queries(execute, sql, params, many, context):
    raise AssertionError("the error page must not query the database")
