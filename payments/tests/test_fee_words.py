"""The fee list says the kind of a fee only when its name does not."""

import pytest
from django.urls import reverse

from dossiers.tests.factories import DossierFactory
from procedures import services as procedure_services
from procedures.tests.factories import ProcedureFactory

pytestmark = pytest.mark.django_db


def test_a_fee_named_after_its_kind_is_not_repeated(client):
    procedure = ProcedureFactory(level4=True)
    procedure.fees.create(name="Lệ phí", kind="charge", amount=1000000, position=1)
    procedure.fees.create(name="Phí thẩm định hồ sơ", kind="fee", amount=50000, position=2)
    procedure.fees.create(name="Cấp bản sao", kind="charge", amount=8000, position=3)
    procedure_services.procedure_publish(procedure=procedure, actor=None)
    procedure.refresh_from_db()
    dossier = DossierFactory(procedure=procedure, received=True)
    client.force_login(dossier.applicant)
    page = client.get(reverse("dossiers:detail", kwargs={"pk": dossier.pk})).content.decode()
    assert "Lệ phí (Lệ phí)" not in page and "Lệ phí <span" not in page
    assert "Phí thẩm định hồ sơ <span" not in page
    assert 'Cấp bản sao <span class="muted small">(Lệ phí)</span>' in page
    assert "1.000.000 đ" in page
