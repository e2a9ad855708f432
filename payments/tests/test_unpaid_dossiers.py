"""A received dossier whose fee is due at submission waits for the payment: every page says so."""

import re

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from dossiers.tests.factories import desk_officer_for
from payments import services
from payments.models import Payment
from payments.tests.factories import fee_dossier

pytestmark = pytest.mark.django_db


def vi(message: str, **params) -> str:
    with translation.override("vi"):
        text = gettext(message)
    return text % params if params else text


def pay_at_desk(dossier):
    services.payment_record_desk(
        dossier_id=dossier.pk, officer=desk_officer_for(dossier), method=Payment.Method.CASH
    )


def test_the_citizen_is_told_to_pay_before_anything_happens(client):
    dossier = fee_dossier(amount=1000000)
    client.force_login(dossier.applicant)
    url = reverse("dossiers:detail", kwargs={"pk": dossier.pk})
    page = client.get(url).content.decode()
    next_step = re.search(r'<dd id="status-next">(.*?)</dd>', page, re.S).group(1)
    assert "1.000.000 đ" in next_step
    assert "Bộ phận Một cửa" in next_step and "chưa" in next_step.lower()
    mine = client.get(reverse("dossiers:mine")).content.decode()
    assert vi("Pay the fee") in mine

    pay_at_desk(dossier)
    page = client.get(url).content.decode()
    next_step = re.search(r'<dd id="status-next">(.*?)</dd>', page, re.S).group(1)
    assert "1.000.000" not in next_step


def test_the_public_lookup_says_the_fee_is_awaited(client):
    dossier = fee_dossier()
    page = client.get(reverse("lookup:lookup"), {"ma": dossier.code}).content.decode()
    awaited = vi(
        "The fee has not been paid yet. The one-stop desk can accept the dossier, and the "
        "processing time starts, only once it is paid."
    )
    assert awaited in page
    pay_at_desk(dossier)
    page = client.get(reverse("lookup:lookup"), {"ma": dossier.code}).content.decode()
    assert awaited not in page


def test_a_fee_due_with_the_result_does_not_hold_the_dossier(client):
    dossier = fee_dossier(fee_due="result")
    client.force_login(dossier.applicant)
    page = client.get(reverse("dossiers:detail", kwargs={"pk": dossier.pk})).content.decode()
    assert vi("Pay the fee") not in page


def test_the_desk_queue_shows_fees_and_the_accept_button_waits_for_payment(login_staff):
    unpaid = fee_dossier(amount=150000)
    officer = desk_officer_for(unpaid)
    client = login_staff(officer)
    queue = client.get(reverse("desk:queue")).content.decode()
    assert f">{vi('Fees')}</th>" in queue
    cell = re.search(
        rf'<tr data-code="{unpaid.code}".*?<td class="desk-fee" data-fee="(\w+)">(.*?)</td>',
        queue,
        re.S,
    )
    assert cell.group(1) == "unpaid"
    assert vi("Unpaid") in cell.group(2) and "150.000 đ" in cell.group(2)

    page = client.get(reverse("desk:dossier", args=[unpaid.pk])).content.decode()
    button = re.search(r'<form id="form-accept".*?<button([^>]*)>', page, re.S).group(1)
    assert "disabled" in button
    assert 'id="accept-fee-awaited"' in page

    pay_at_desk(unpaid)
    queue = client.get(reverse("desk:queue")).content.decode()
    assert re.search(rf'<tr data-code="{unpaid.code}".*?data-fee="paid"', queue, re.S)
    page = client.get(reverse("desk:dossier", args=[unpaid.pk])).content.decode()
    button = re.search(r'<form id="form-accept".*?<button([^>]*)>', page, re.S).group(1)
    assert "disabled" not in button
