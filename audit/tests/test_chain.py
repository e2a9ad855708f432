"""The audit record: appended from the services, append-only, and every tampering is found."""

import threading
from datetime import date

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction
from django.db.utils import DatabaseError

from audit import chain, services
from audit.models import GENESIS_HASH, AuditRecord, ChainVerification
from dossiers import services as dossier_services
from dossiers.tests.factories import DossierFactory, desk_officer_for
from portal.models import Notification
from portal.roles import Role
from tests.factories import CalendarOverrideFactory, UserFactory, add_roles, staff_user

pytestmark = pytest.mark.django_db


def _append(n: int, **kwargs) -> list[AuditRecord]:
    return [services.record(kind="test.act", data={"n": i, **kwargs}) for i in range(n)]


def _behind_the_triggers_back(sql: str, params: list) -> None:
    """What a database superuser can do: switch the triggers off for this transaction."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        cursor.execute("SET LOCAL session_replication_role = origin")


def test_a_dossier_act_is_appended_with_its_actor_and_unit():
    dossier = DossierFactory(received=True)
    officer = desk_officer_for(dossier)
    dossier_services.dossier_accept(dossier_id=dossier.pk, officer=officer)
    row = AuditRecord.objects.filter(kind="dossier.accepted").get()
    assert row.dossier_id == dossier.pk
    assert row.actor_id == officer.pk
    assert dossier.agency.name in row.unit
    assert row.data["code"] == dossier.code
    assert row.data["to"] == "processing"
    assert chain.verify().ok


def test_each_row_links_to_the_one_before():
    first, second, third = _append(3)
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    check = chain.verify()
    assert check.ok
    assert check.rows_checked == 3
    assert check.head_id == third.pk


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditrecord SET kind = 'x'",
        "DELETE FROM audit_auditrecord",
    ],
)
def test_the_database_refuses_to_change_or_remove_rows(sql):
    _append(2)
    with (
        pytest.raises(DatabaseError, match="pgtrigger: Cannot"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert AuditRecord.objects.count() == 2


def test_an_edited_row_is_found():
    rows = _append(5)
    _behind_the_triggers_back(
        "UPDATE audit_auditrecord SET data = %s WHERE id = %s", ['{"n": 99}', rows[2].pk]
    )
    check = chain.verify()
    assert not check.ok
    assert check.broken_id == rows[2].pk
    assert check.rows_checked == 2
    assert "bị sửa" in check.problem


def test_a_deleted_row_is_found():
    rows = _append(5)
    _behind_the_triggers_back("DELETE FROM audit_auditrecord WHERE id = %s", [rows[1].pk])
    check = chain.verify()
    assert not check.ok
    assert check.broken_id == rows[2].pk
    assert "bị xóa hoặc bị chèn" in check.problem


def test_an_inserted_row_is_found_even_with_a_correct_hash_of_its_own():
    rows = _append(2)
    # A gap in the IDs, as a rolled-back transaction leaves one.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('audit_auditrecord', 'id'), %s)", [rows[1].pk + 5]
        )
    later = _append(2)
    forged = AuditRecord(
        id=rows[1].pk + 2,
        recorded_at=rows[1].recorded_at,
        kind="payment.refunded",
        actor_name="Someone",
        data={"amount": 1_000_000},
        prev_hash=rows[1].hash,
    )
    forged.hash = chain.content_hash(
        forged.prev_hash, *(getattr(forged, name) for name in chain.CONTENT_FIELDS)
    )
    forged.save(force_insert=True)
    check = chain.verify()
    assert not check.ok
    assert check.broken_id == later[0].pk
    assert check.rows_checked == 3  # the two genuine rows and the forged one, which links well


def test_rows_cut_from_the_end_are_found_through_the_last_verification():
    rows = _append(4)
    assert services.audit_chain_verify().ok
    _behind_the_triggers_back("DELETE FROM audit_auditrecord WHERE id >= %s", [rows[2].pk])
    verification = services.audit_chain_verify()
    assert not verification.ok
    assert verification.broken_id == rows[3].pk
    assert "không còn" in verification.problem


def test_the_command_names_the_first_broken_row_and_alerts_it_staff(settings):
    it_staff = add_roles(UserFactory(email="cntt@example.com", is_staff=True), Role.IT_ADMIN)
    citizen = UserFactory(email="dan@example.com")
    rows = _append(3)
    call_command("verify_audit_chain")
    _behind_the_triggers_back(
        "UPDATE audit_auditrecord SET actor_name = 'Other' WHERE id = %s", [rows[1].pk]
    )
    with pytest.raises(CommandError, match=f"row {rows[1].pk}"):
        call_command("verify_audit_chain", batch=2)
    latest = ChainVerification.objects.first()
    assert not latest.ok and latest.broken_id == rows[1].pk
    alerts = Notification.objects.filter(template="audit_chain_broken")
    assert [n.recipient for n in alerts] == [it_staff.email]
    assert citizen.email not in [n.recipient for n in alerts]


def test_the_daily_task_e_mails_it_staff_when_broken(django_capture_on_commit_callbacks):
    from audit.tasks import verify_audit_chain

    add_roles(UserFactory(email="cntt@example.com", is_staff=True), Role.IT_ADMIN)
    rows = _append(3)
    _behind_the_triggers_back("DELETE FROM audit_auditrecord WHERE id = %s", [rows[0].pk])
    with django_capture_on_commit_callbacks(execute=True):
        outcome = verify_audit_chain.delay().get()
    assert outcome["ok"] is False
    assert outcome["broken_id"] == rows[1].pk
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["cntt@example.com"]
    assert str(rows[1].pk) in mail.outbox[0].subject


def test_calendar_overrides_and_role_changes_are_recorded():
    override = CalendarOverrideFactory(date=date(2027, 3, 8))
    user = staff_user(Role.SPECIALIST)
    kinds = list(AuditRecord.objects.values_list("kind", flat=True))
    assert "calendar.override_created" in kinds
    assert "role.granted" in kinds
    granted = AuditRecord.objects.filter(kind="role.granted").last()
    assert granted.data["roles"] == [Role.SPECIALIST.value]
    assert granted.target == f"user:{user.pk}"
    override.delete()
    assert AuditRecord.objects.filter(kind="calendar.override_deleted").exists()
    assert chain.verify().ok


@pytest.mark.django_db(transaction=True)
def test_concurrent_transactions_keep_one_chain():
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def worker(n: int) -> None:
        try:
            start.wait()
            for i in range(15):
                with transaction.atomic():
                    services.record(kind="test.concurrent", data={"worker": n, "i": i})
        except BaseException as err:
            errors.append(err)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    check = chain.verify()
    assert check.ok, check.problem
    assert check.rows_checked == AuditRecord.objects.count() == 90
    assert AuditRecord.objects.values("prev_hash").distinct().count() == 90


def test_an_emptied_table_is_found_through_the_last_verification():
    rows = _append(3)
    assert services.audit_chain_verify().ok
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE audit_auditrecord")
    _append(1)  # a fresh chain started afterwards does not hide it
    verification = services.audit_chain_verify()
    assert not verification.ok
    assert verification.broken_id == rows[-1].pk
