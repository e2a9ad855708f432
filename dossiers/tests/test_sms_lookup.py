"""Inbound "TRACUU <code>" messages get an SMS with the state and the date, nothing personal."""

import json

import pytest
from django.urls import reverse

from dossiers.sms import parse_lookup
from dossiers.tests.factories import DossierFactory
from portal.models import Notification
from portal.notifications import rendering

pytestmark = pytest.mark.django_db

SECRET = "gateway-shared-secret-for-tests"
CODE = "000.00.21.H45-261124-0007"


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.SMS_INBOUND_SECRET = SECRET


def post(client, body, secret=SECRET):
    return client.post(
        reverse("lookup:sms_inbound"),
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (f"TRACUU {CODE}", CODE),
        (f"tracuu {CODE.lower()}", CODE),
        (f"Tra cứu {CODE}", CODE),
        (f"TRA CUU: {CODE}", CODE),
        ("  tra   cuu 000.00.21.H45 - 261124 - 0007 ", CODE),
        ("TRACUU", ""),
        ("XIN CHAO", None),
    ],
)
def test_the_command_is_understood_in_any_form(text, code):
    assert parse_lookup(text) == code


def test_known_code_gets_state_and_appointment_without_personal_data(client):
    dossier = DossierFactory(processing=True, code=CODE)
    response = post(client, {"from": "+84905111222", "text": f"tra cuu {CODE.lower()}"})
    assert response.status_code == 200 and response.json()["reply"] == "lookup_reply"
    reply = Notification.objects.get(channel="sms")
    assert reply.recipient == "0905111222"
    text = rendering.render_sms(reply.template, reply.context, reply.language)
    assert CODE in text and "Dang xu ly" in text
    assert dossier.appointment_at.astimezone().strftime("%d/%m/%Y")[:5] in text
    assert dossier.applicant_name.split()[-1] not in text  # nothing personal
    assert dossier.applicant_national_id not in text
    assert rendering.sms_length(text) <= rendering.SMS_SEGMENT


def test_unknown_code_and_other_texts_get_help(client):
    post(client, {"from": "0905111222", "text": "TRACUU 000.00.99.H45-010101-0001", "id": "m1"})
    post(client, {"from": "0905111222", "text": "xin chao", "id": "m2"})
    templates = list(Notification.objects.order_by("pk").values_list("template", flat=True))
    assert templates == ["lookup_not_found", "lookup_help"]
    for row in Notification.objects.all():
        text = rendering.render_sms(row.template, row.context, row.language)
        assert "TRACUU" in text and rendering.sms_length(text) <= rendering.SMS_SEGMENT


def test_a_redelivered_message_is_answered_once(client):
    DossierFactory(received=True, code=CODE)
    for _ in range(2):
        post(client, {"from": "0905111222", "text": f"TRACUU {CODE}", "id": "gateway-42"})
    assert Notification.objects.count() == 1


def test_wrong_or_missing_secret_is_refused(client, settings):
    assert post(client, {"from": "0905111222", "text": "TRACUU"}, secret="guess").status_code == 401
    assert not Notification.objects.exists()
    settings.SMS_INBOUND_SECRET = ""
    assert post(client, {"from": "0905111222", "text": "TRACUU"}).status_code == 404


def test_bad_payloads_are_400_not_500(client):
    assert post(client, {"text": "TRACUU"}).status_code == 400
    response = client.post(
        reverse("lookup:sms_inbound"),
        data="[1, 2]",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {SECRET}",
    )
    assert response.status_code == 400
