"""National-portal sync against a receiver on loopback that checks the HMAC signature."""

import json
import socket

import pytest
from django.utils import timezone

from dossiers.models import Dossier
from dossiers.tests.factories import DossierFactory
from procedures.tests.factories import ProcedureFactory
from reporting import sync, tasks
from reporting.models import DossierSyncState, SyncReconciliation, SyncRun
from reporting.tests.fake_national_portal import FakeNationalPortal

pytestmark = pytest.mark.django_db

SECRET = "khoa-bi-mat-dung-chung-voi-cong-quoc-gia"


@pytest.fixture
def sync_settings(settings):
    settings.NATIONAL_SYNC_CLIENT_ID = "dvc-phu-yen"
    settings.NATIONAL_SYNC_SECRET = SECRET
    settings.NATIONAL_SYNC_BATCH_SIZE = 3
    settings.NATIONAL_SYNC_ATTEMPTS = 3
    settings.NATIONAL_SYNC_BACKOFF_SECONDS = 0.01
    settings.NATIONAL_SYNC_TIMEOUT = 5
    return settings


@pytest.fixture
def portal(sync_settings):
    with FakeNationalPortal(secret=SECRET) as receiver:
        sync_settings.NATIONAL_SYNC_URL = receiver.url
        yield receiver


@pytest.fixture
def dossiers():
    procedure = ProcedureFactory(level4=True, published=True)
    now = timezone.now()

    def make(**traits):
        return DossierFactory(procedure=procedure, applicant__full_name="Nguyễn Văn An", **traits)

    return {
        "draft": make(),
        "received": make(received=True),
        "incomplete": make(incomplete=True),
        "accepted": make(processing=True),
        "processing": make(processing=True, forwarded_at=now),
        "done": make(done=True, forwarded_at=now),
        "delivered": make(done=True, forwarded_at=now, delivered_at=now),
        "returned": make(returned=True),
        "withdrawn": make(withdrawn=True),
    }


EXPECTED_STATUS = {
    "received": 1,
    "incomplete": 5,
    "accepted": 2,
    "processing": 4,
    "done": 9,
    "delivered": 10,
    "returned": 3,
    "withdrawn": 7,
}


def test_status_codes(dossiers):
    assert sync.dvcqg_status(dossiers["draft"]) is None
    for name, code in EXPECTED_STATUS.items():
        assert sync.dvcqg_status(dossiers[name]) == code, name


def test_happy_path_sends_every_submitted_dossier_once_signed_and_masked(portal, dossiers):
    run = sync.national_sync_run()

    assert run.status == SyncRun.Status.SUCCEEDED
    assert (run.examined, run.sent, run.acknowledged, run.batches) == (8, 8, 8, 3)
    assert sorted(portal.codes_received()) == sorted(
        dossiers[name].code for name in EXPECTED_STATUS
    )
    assert dossiers["draft"].code is None  # drafts have no code and are never sent
    for name, code in EXPECTED_STATUS.items():
        record = portal.dossiers[dossiers[name].code]
        assert record["status"] == code, name
    record = portal.dossiers[dossiers["processing"].code]
    assert set(record) == {
        "code", "procedure_code", "agency_code", "status", "channel", "applicant",
        "submitted_at", "accepted_at", "due_at", "finished_at",
        "delivered_at", "version",
    }  # fmt: skip
    assert record["applicant"] == "Nguyễn V. A."
    assert record["channel"] == 2  # the national portal's code for online
    assert record["procedure_code"] == dossiers["processing"].procedure.code
    assert record["agency_code"] == dossiers["processing"].agency.code
    everything = json.dumps(portal.received, ensure_ascii=False)
    for dossier in dossiers.values():
        for private in (dossier.applicant_national_id, dossier.applicant_phone):
            assert private not in everything
        assert dossier.applicant_email not in everything
    assert portal.rejected_signatures == 0
    assert DossierSyncState.objects.count() == 8
    state = DossierSyncState.objects.get(dossier=dossiers["delivered"])
    assert state.status_code == 10 and state.run == run

    # Nothing changed: the next run sends nothing (it looks again at the overlap only).
    again = sync.national_sync_run()
    assert (again.sent, again.unchanged, again.batches) == (0, 8, 0)
    assert len(portal.received) == 8

    # One dossier moves on: only it is sent, with its new status.
    later = timezone.now()
    Dossier.objects.filter(pk=dossiers["done"].pk).update(delivered_at=later, updated_at=later)
    third = sync.national_sync_run()
    assert third.sent == 1 and portal.codes_received()[-1] == dossiers["done"].code
    assert portal.dossiers[dossiers["done"].code]["status"] == 10


def test_idempotent_resend_sends_nothing_already_acknowledged(portal, dossiers):
    sync.national_sync_run()
    full = sync.national_sync_run(full=True)
    assert (full.examined, full.unchanged, full.sent) == (8, 8, 0)
    assert len(portal.received) == 8 and portal.requests == 3

    # Acknowledged but lost on our side: resent, and the receiver keeps one copy (same version).
    DossierSyncState.objects.filter(dossier=dossiers["received"]).delete()
    resend = sync.national_sync_run(full=True)
    assert resend.sent == 1 and resend.acknowledged == 1
    assert len(portal.received) == 8 and len(portal.dossiers) == 8


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/dvcqg/dossiers"


def test_receiver_down_then_up_loses_nothing_and_duplicates_nothing(
    portal, dossiers, sync_settings
):
    real_url = sync_settings.NATIONAL_SYNC_URL
    # Down: nothing listens. The run fails after its retries; nothing is marked as sent.
    sync_settings.NATIONAL_SYNC_URL = _closed_port_url()
    with pytest.raises(sync.SyncError):
        sync.national_sync_run()
    failed = SyncRun.objects.get()
    assert failed.status == SyncRun.Status.FAILED and failed.attempts == 3
    assert "Connection refused" in failed.error or "URLError" in failed.error
    assert not DossierSyncState.objects.exists()

    # Up, but failing in the middle: the first batch goes through, the second does not.
    sync_settings.NATIONAL_SYNC_URL = real_url
    portal.responses = [200, 503, 503, 503]
    with pytest.raises(sync.SyncError):
        sync.national_sync_run()
    assert len(portal.received) == 3 and DossierSyncState.objects.count() == 3

    # Up again: the rest, and only the rest.
    run = sync.national_sync_run()
    assert run.status == SyncRun.Status.SUCCEEDED
    assert (run.examined, run.unchanged, run.sent) == (8, 3, 5)
    assert sorted(portal.codes_received()) == sorted(
        dossiers[name].code for name in EXPECTED_STATUS
    )
    assert len(portal.codes_received()) == len(set(portal.codes_received())) == 8


def test_a_retried_batch_is_sent_once(portal, dossiers):
    portal.responses = [503, 502]  # two failures, then the same batch succeeds
    run = sync.national_sync_run()
    assert run.status == SyncRun.Status.SUCCEEDED and run.attempts == 5  # 3 batches + 2 retries
    assert len(portal.received) == 8


def test_wrong_signature_is_rejected_and_not_retried(portal, dossiers, sync_settings):
    sync_settings.NATIONAL_SYNC_SECRET = "not-the-shared-secret"
    with pytest.raises(sync.SyncError) as error:
        sync.national_sync_run()
    assert not error.value.retryable and "401" in str(error.value)
    assert portal.rejected_signatures == 1 and portal.received == []
    run = SyncRun.objects.get()
    assert run.status == SyncRun.Status.FAILED and run.attempts == 1
    assert not DossierSyncState.objects.exists()

    sync_settings.NATIONAL_SYNC_SECRET = SECRET
    assert sync.national_sync_run().acknowledged == 8


def test_off_without_a_url(sync_settings, dossiers):
    sync_settings.NATIONAL_SYNC_URL = ""
    assert sync.national_sync_run() is None and tasks.national_sync() is None
    assert not SyncRun.objects.exists()


def test_daily_reconciliation_compares_counts(portal, dossiers):
    tasks.national_sync()
    assert tasks.national_sync_reconcile() == {"local": 8, "remote": 8}
    check = SyncReconciliation.objects.get()
    assert check.matches and check.error == ""

    # The receiver lost one: the difference shows.
    portal.dossiers.pop(dossiers["received"].code)
    check = sync.national_sync_reconcile()
    assert (check.local_count, check.remote_count, check.matches) == (8, 7, False)


def test_the_task_raises_when_eager_so_failures_are_visible(portal, dossiers, sync_settings):
    sync_settings.NATIONAL_SYNC_URL = _closed_port_url()
    with pytest.raises(sync.SyncError):
        tasks.national_sync()


def test_mask_name():
    assert sync.mask_name("Nguyễn Văn An") == "Nguyễn V. A."
    assert sync.mask_name("Lê  Thị Hồng Nhung ") == "Lê T. H. N."
    assert sync.mask_name("Công ty TNHH Một thành viên") == "Công t. T. M. t. v."
    assert sync.mask_name("") == ""


def test_changes_older_than_the_window_are_not_looked_at_again(portal, dossiers):
    sync.national_sync_run()
    now = timezone.now()
    Dossier.objects.update(updated_at=now - 2 * sync.OVERLAP)
    # The last window ended after those changes by more than the overlap.
    SyncRun.objects.update(changed_until=now - sync.OVERLAP / 2)
    run = sync.national_sync_run()
    assert (run.examined, run.sent) == (0, 0)


def test_a_result_waiting_for_fees_due_at_the_result_is_status_6():
    from payments.models import Payment
    from payments.tests.factories import PaymentFactory, fee_dossier

    now = timezone.now()
    dossier = fee_dossier(fee_due="result", amount=30000, done=True, forwarded_at=now)
    assert sync.dvcqg_status(dossier) == 6
    PaymentFactory(
        dossier=dossier,
        agency=dossier.agency,
        due="result",
        paid=True,
        amount=30000,
        method=Payment.Method.CASH,
    )
    assert sync.dvcqg_status(dossier) == 9


def test_a_dossier_returned_after_acceptance_is_8_stopped_and_3_only_at_reception():
    now = timezone.now()
    refused_at_desk = DossierFactory(returned=True)
    stopped = DossierFactory(returned=True, accepted_at=now, due_at=now, forwarded_at=now)
    assert sync.dvcqg_status(refused_at_desk) == 3
    assert sync.dvcqg_status(stopped) == 8


def test_a_supplement_asked_during_processing_is_5_a_stopped_clock():
    from dossiers.models import ClockPause
    from tests.factories import UserFactory

    now = timezone.now()
    dossier = DossierFactory(processing=True, forwarded_at=now, state=Dossier.State.INCOMPLETE)
    ClockPause.objects.create(
        dossier=dossier, started_at=now, due_before=dossier.due_at, actor=UserFactory()
    )
    assert sync.dvcqg_status(dossier) == 5


def test_the_record_carries_the_legal_due_time_not_the_apologys_new_date():
    now = timezone.now()
    legal = now + timezone.timedelta(days=2)
    apology = now + timezone.timedelta(days=9)
    dossier = DossierFactory(
        processing=True, forwarded_at=now, due_at=legal, appointment_at=apology
    )
    record = sync.dossier_record(dossier)
    assert record["due_at"] == legal.isoformat()
    assert apology.isoformat() not in json.dumps(record)


@pytest.mark.parametrize(("channel", "code"), [("desk", 1), ("online", 2), ("post", 3)])
def test_channel_codes_are_the_national_portals(channel, code):
    dossier = DossierFactory(received=True, channel=channel)
    assert sync.dossier_record(dossier)["channel"] == code
