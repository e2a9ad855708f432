"""The IT staff's read-only admin of the deadline warnings and the national-portal sync."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dossiers.models import DeadlineAlert
from dossiers.tests.factories import DossierFactory
from portal.roles import Role
from reporting.models import DossierSyncState, SyncReconciliation, SyncRun
from tests.factories import staff_user

CHANGELISTS = [
    "admin:dossiers_deadlinealert_changelist",
    "admin:reporting_syncrun_changelist",
    "admin:reporting_dossiersyncstate_changelist",
    "admin:reporting_syncreconciliation_changelist",
]


@pytest.fixture
def records():
    now = timezone.now()
    dossier = DossierFactory(processing=True)
    alert = DeadlineAlert.objects.create(
        dossier=dossier, kind=DeadlineAlert.Kind.OVERDUE, deadline=now, recipients=3
    )
    run = SyncRun.objects.create(
        started_at=now - timedelta(minutes=2),
        finished_at=now,
        status=SyncRun.Status.SUCCEEDED,
        changed_until=now,
        examined=1,
        sent=1,
        acknowledged=1,
    )
    state = DossierSyncState.objects.create(
        dossier=dossier,
        version=now,
        status_code=4,
        payload_sha256="0" * 64,
        acknowledged_at=now,
        run=run,
    )
    check = SyncReconciliation.objects.create(checked_at=now, local_count=1, remote_count=1)
    return {"dossier": dossier, "objects": [alert, run, state, check]}


@pytest.mark.django_db
@pytest.mark.parametrize("changelist", CHANGELISTS)
def test_it_staff_read_the_lists(login_staff, records, changelist):
    client = login_staff(staff_user(Role.IT_ADMIN))
    response = client.get(reverse(changelist))
    assert response.status_code == 200
    # Read-only: no "add" button, nothing to delete in bulk.
    assert reverse(changelist.replace("changelist", "add")) not in response.content.decode()
    assert 'value="delete_selected"' not in response.content.decode()


@pytest.mark.django_db
def test_it_staff_find_a_dossier_and_open_the_records(login_staff, records):
    client = login_staff(staff_user(Role.IT_ADMIN))
    code = records["dossier"].code
    for changelist in ("dossiers_deadlinealert", "reporting_dossiersyncstate"):
        response = client.get(reverse(f"admin:{changelist}_changelist"), {"q": code})
        assert response.status_code == 200 and response.context["cl"].result_count == 1
        assert code in response.content.decode()
        nothing = client.get(reverse(f"admin:{changelist}_changelist"), {"q": code[:-1]})
        assert nothing.context["cl"].result_count == 0  # the exact code, not a part of it
    filtered = {
        "admin:dossiers_deadlinealert_changelist": {"kind__exact": "overdue"},
        "admin:reporting_syncrun_changelist": {"status__exact": "succeeded"},
        "admin:reporting_dossiersyncstate_changelist": {"status_code": "4"},
        "admin:reporting_syncreconciliation_changelist": {
            "checked_at__year": str(timezone.localdate().year)
        },
    }
    for changelist, query in filtered.items():
        response = client.get(reverse(changelist), query)
        assert response.status_code == 200 and response.context["cl"].result_count == 1
    for record in records["objects"]:
        meta = record._meta
        page = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[record.pk])
        response = client.get(page)
        assert response.status_code == 200
        assert 'name="_save"' not in response.content.decode()  # nothing to save
        delete = reverse(f"admin:{meta.app_label}_{meta.model_name}_delete", args=[record.pk])
        assert client.post(delete, {"post": "yes"}).status_code == 403
    assert DeadlineAlert.objects.count() == SyncRun.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.DESK_OFFICER, Role.LEADER])
@pytest.mark.parametrize("changelist", CHANGELISTS)
def test_other_staff_cannot_open_them(login_staff, records, role, changelist):
    client = login_staff(staff_user(role))
    response = client.get(reverse(changelist))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
