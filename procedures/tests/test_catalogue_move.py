"""Moving a succeeded agency's catalogue to its successor, from the agency admin."""

from datetime import date

import pytest
from django.urls import reverse

from audit.models import AuditRecord
from dossiers.tests.factories import DossierFactory
from portal.models import Agency, SuccessionKind
from portal.roles import Role
from procedures.models import InterAgencyStep, Procedure
from procedures.tests.factories import ProcedureFactory
from tests.factories import AgencyFactory, DepartmentFactory, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def merged():
    old = AgencyFactory(name="UBND huyện Tuy An", level=Agency.Level.DISTRICT)
    new = AgencyFactory(name="UBND xã Tuy An Bắc", level=Agency.Level.COMMUNE)
    old.successor, old.succession_kind = new, SuccessionKind.MERGED
    old.succession_effective_on = date(2025, 7, 1)
    old.save()
    department = DepartmentFactory(agency=old)
    published = ProcedureFactory(agency=old, department=department, published=True)
    draft = ProcedureFactory(agency=old)
    other = ProcedureFactory(published=True)
    InterAgencyStep.objects.create(
        procedure=other, agency=old, description="Xác nhận", working_days=2, position=1
    )
    dossier = DossierFactory(procedure=published, received=True)
    return {
        "old": old,
        "new": new,
        "published": published,
        "draft": draft,
        "other": other,
        "dossier": dossier,
    }


def admin_move(client, agency):
    return client.post(
        reverse("admin:portal_agency_changelist"),
        {"action": "move_catalogue", "_selected_action": [agency.pk]},
    )


def test_the_action_shows_a_preview_and_changes_nothing_yet(login_staff, merged):
    client = login_staff(staff_user(Role.IT_ADMIN))
    response = admin_move(client, merged["old"])
    assert response.status_code == 302
    page = client.get(response["Location"])
    body = page.content.decode()
    assert page.status_code == 200
    assert "UBND huyện Tuy An" in body and "UBND xã Tuy An Bắc" in body
    assert merged["published"].code in body and merged["draft"].code in body
    assert Procedure.objects.filter(agency=merged["old"]).count() == 2


def test_confirming_moves_the_catalogue_and_dossiers_keep_their_agency(login_staff, merged):
    officer = staff_user(Role.IT_ADMIN)
    client = login_staff(officer)
    url = reverse("admin:procedures_procedure_move", args=[merged["old"].pk])
    response = client.post(url)
    assert response.status_code == 302
    published, draft = merged["published"], merged["draft"]
    published.refresh_from_db()
    draft.refresh_from_db()
    assert published.agency == merged["new"] and draft.agency == merged["new"]
    assert published.department is None  # the old agency's department does not follow
    # Citizens now see the successor on the published procedure.
    assert published.current_version.number == 2
    assert published.current_version.data["agency"]["name"] == "UBND xã Tuy An Bắc"
    other = merged["other"]
    other.refresh_from_db()
    assert other.current_version.data["steps"][0]["agency"]["name"] == "UBND xã Tuy An Bắc"
    # The dossier filed before keeps the agency and the version it was filed under.
    dossier = merged["dossier"]
    dossier.refresh_from_db()
    assert dossier.agency == merged["old"]
    assert dossier.procedure_version.data["agency"]["name"] == "UBND huyện Tuy An"
    old = Agency.objects.get(pk=merged["old"].pk)
    assert old.catalogue_moved_by == officer and old.catalogue_moved_at is not None
    record = AuditRecord.objects.get(kind="catalogue.moved")
    assert record.actor_id == officer.pk and record.data["procedures"] == 2
    page = client.get(reverse("admin:portal_agency_changelist")).content.decode()
    assert "2 thủ tục đã chuyển từ UBND huyện Tuy An sang UBND xã Tuy An Bắc." in page


def test_an_agency_without_successor_has_nothing_to_move(login_staff):
    agency = AgencyFactory()
    ProcedureFactory(agency=agency)
    client = login_staff(staff_user(Role.IT_ADMIN))
    response = client.get(reverse("admin:procedures_procedure_move", args=[agency.pk]))
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "chưa có cơ quan kế thừa" in page
    assert Procedure.objects.get().agency == agency


def test_bad_agency_ids_are_not_found(login_staff):
    client = login_staff(staff_user(Role.IT_ADMIN))
    assert client.get("/admin/procedures/procedure/move-from/abc/").status_code == 404
    assert client.get("/admin/procedures/procedure/move-from/999999/").status_code == 404


def test_dossier_pages_name_the_successor(client, login_staff, merged):
    dossier = merged["dossier"]
    client.force_login(dossier.applicant)
    body = client.get(reverse("dossiers:detail", args=[dossier.pk])).content.decode()
    assert "UBND huyện Tuy An" in body
    assert "(nay: UBND xã Tuy An Bắc)" in body
    client.logout()
    leader = staff_user(Role.LEADER, agency=merged["old"])
    login_staff(leader)
    body = client.get(reverse("handling:dossier", args=[dossier.pk])).content.decode()
    assert "(nay: UBND xã Tuy An Bắc)" in body


def test_dossier_pages_say_nothing_when_the_agency_has_no_successor(client):
    dossier = DossierFactory(received=True)
    client.force_login(dossier.applicant)
    body = client.get(reverse("dossiers:detail", args=[dossier.pk])).content.decode()
    assert "data-agency-now" not in body
