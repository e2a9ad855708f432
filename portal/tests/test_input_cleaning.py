"""NUL characters, deep JSON and Unicode digits from strangers: a clear answer, never a 500."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from dossiers.tests.factories import DossierFactory, forwarded_dossier, leader_for
from feedback.models import Feedback
from portal.json_input import JSONInputError, nesting_depth, parse_json_object
from portal.models import Notification
from portal.roles import Role
from tests.factories import AgencyFactory, staff_user

pytestmark = pytest.mark.django_db

SECRET = "inbound-secret"


@pytest.fixture
def stranger():
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("path", ["/tra-cuu/", "/kiosk/", "/thu-tuc/", "/hoi-dap/", "/"])
@pytest.mark.parametrize("parameter", ["ma", "q", "linh-vuc", "co-quan"])
@pytest.mark.parametrize("encoded", ["%00", "ab%00cd", "\x00"])
def test_nul_in_query_parameters_is_ignored(stranger, path, parameter, encoded):
    response = stranger.get(f"{path}?{parameter}={encoded}")
    assert response.status_code == 200


def test_a_lookup_with_nul_shows_the_dossier(stranger):
    dossier = DossierFactory(received=True)
    code = dossier.code
    response = stranger.get(f"/tra-cuu/?ma={code[:5]}%00{code[5:]}")
    assert response.status_code == 200
    assert code in response.content.decode()


def test_nul_in_a_path_parameter_is_not_found(stranger):
    for path in ("/thu-tuc/%00/", "/linh-vuc/a%00b/", "/co-quan/%00/", "/phan-anh/theo-doi/%00/"):
        assert stranger.get(path).status_code == 404, path


def test_nul_in_cookies_and_headers_is_harmless(stranger):
    stranger.cookies["sessionid"] = "abcdefgh\x00ijklmnop"
    response = stranger.get("/", HTTP_USER_AGENT="robot\x00", HTTP_ACCEPT_LANGUAGE="vi\x00")
    assert response.status_code == 200


def test_nul_in_form_fields_is_dropped_and_the_rest_is_kept(stranger):
    agency = AgencyFactory()
    response = stranger.post(
        "/phan-anh/",
        {
            "name": "Lê Thị\x00 Hoa",
            "phone": "0905\x00123456",
            "agency": f"{agency.pk}\x00",
            "subject": "Hỏi\x00 thủ tục",
            "text": "Nội dung\x00 phản ánh",
        },
        REMOTE_ADDR="10.8.8.8",
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    feedback = Feedback.objects.get()
    assert feedback.sender_name == "Lê Thị Hoa"
    assert feedback.subject == "Hỏi thủ tục" and feedback.text == "Nội dung phản ánh"


def test_nul_in_sign_up_fields_shows_the_form_again_without_it(stranger):
    response = stranger.post(
        reverse("portal:signup"),
        {"full_name": "Nguyễn\x00 Văn A", "national_id": "054095\x00000999"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Nguyễn Văn A"' in html and "\x00" not in html


# --- The inbound SMS webhook (JSON) ---------------------------------------------------------


def _sms(client, body: bytes | str, content_type="application/json"):
    return client.post(
        reverse("lookup:sms_inbound"),
        data=body,
        content_type=content_type,
        HTTP_AUTHORIZATION=f"Bearer {SECRET}",
    )


@pytest.fixture
def inbound(settings):
    settings.SMS_INBOUND_SECRET = SECRET


def test_nul_in_sms_fields_is_dropped(stranger, inbound):
    dossier = DossierFactory(received=True)
    body = json.dumps(
        {"from": "0905\u0000111222", "text": f"TRACUU {dossier.code}\u0000", "id": "\u0000"}
    )
    response = _sms(stranger, body)
    assert response.status_code == 200 and response.json()["reply"] == "lookup_reply"
    assert Notification.objects.get().recipient == "0905111222"


@pytest.mark.parametrize("depth", [50, 5000, 100_000])
def test_deeply_nested_sms_json_is_a_clear_400(stranger, inbound, depth):
    body = '{"from": "0905111222", "text": ' + "[" * depth + "]" * depth + "}"
    response = _sms(stranger, body)
    assert response.status_code == 400
    assert "nest" in response.json()["error"] or "exceed" in response.json()["error"]
    assert not Notification.objects.exists()


def test_an_oversized_sms_body_is_a_clear_400(stranger, inbound):
    body = json.dumps({"from": "0905111222", "text": "x" * 100_000})
    response = _sms(stranger, body)
    assert response.status_code == 400
    assert "exceed" in response.json()["error"]


@pytest.mark.parametrize("body", [b"\xff\xfe", b"{", b"[1]", b'"text"', b"null"])
def test_other_bad_sms_bodies_are_400(stranger, inbound, body):
    assert _sms(stranger, body).status_code == 400


def test_an_escaped_lone_surrogate_in_sms_json_is_no_error(stranger, inbound):
    response = _sms(stranger, b'{"from": "0905111222", "text": "TRACUU \\ud800"}')
    assert response.status_code == 200 and response.json()["reply"] == "lookup_not_found"


def test_a_multipart_sms_post_is_read_as_a_form(stranger, inbound):
    response = stranger.post(
        reverse("lookup:sms_inbound"),
        {"from": "0905111222", "text": "TRACUU\x00"},
        HTTP_AUTHORIZATION=f"Bearer {SECRET}",
    )
    assert response.status_code == 200 and response.json()["reply"] == "lookup_help"


def test_nesting_is_measured_outside_strings():
    assert nesting_depth(b'{"a": "[[[[[[{{{{", "b": [[1]]}') == 3
    assert nesting_depth(b'{"a": "\\"[[[["}') == 1
    with pytest.raises(JSONInputError):
        parse_json_object(b"[" * 21 + b"]" * 21)
    assert parse_json_object(b'{"k\\u0000": ["a\\u0000b", {"c": "\\u0000"}]}') == {
        "k": ["ab", {"c": ""}]
    }


# --- Unicode digits in numeric parameters ---------------------------------------------------

DIGITS = ["²", "①", "٣", "١٢", "１", "9" * 30, "-1", "1.5"]


@pytest.mark.parametrize("value", DIGITS)
def test_unicode_digits_in_the_desk_queue_filters_are_ignored(client, login_staff, value):
    dossier = DossierFactory(received=True)
    desk = staff_user(Role.DESK_OFFICER, agency=dossier.agency)
    login_staff(desk)
    response = client.get("/can-bo/", {"thu-tuc": value, "trang-thai": value, "han": value})
    assert response.status_code == 200
    assert dossier.code in response.content.decode()  # the filter was ignored


@pytest.mark.parametrize("value", DIGITS)
def test_unicode_digits_in_the_processing_queue_filters_are_ignored(client, login_staff, value):
    dossier = forwarded_dossier()
    leader = leader_for(dossier)
    login_staff(leader)
    response = client.get("/can-bo/xu-ly/", {"phong": value, "giao": value})
    assert response.status_code == 200
    assert dossier.code in response.content.decode()


@pytest.mark.parametrize("value", DIGITS)
@pytest.mark.parametrize("path", ["/thu-tuc/", "/hoi-dap/", "/linh-vuc/"])
def test_unicode_digits_as_page_numbers_show_the_first_page(stranger, path, value):
    assert stranger.get(path, {"trang": value, "muc-do": value}).status_code == 200


def test_unicode_digits_as_the_kiosk_idle_time_keep_the_default(stranger):
    response = stranger.get("/kiosk/", {"idle": "٣"})
    assert response.status_code == 200
    assert response.context["idle"] == 60 and not response.context["custom_idle"]
