"""`make run` without Redis: a real worker with an embedded beat on the filesystem broker runs
the deadline scan on its schedule and sends its messages through Celery (no eager mode)."""

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from dossiers.tests.factories import DossierFactory
from portal.models import Notification
from portal.roles import Role
from tests.factories import DepartmentFactory, staff_user

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db(transaction=True)
def test_worker_with_beat_on_the_filesystem_broker_runs_the_scan(tmp_path):
    department = DepartmentFactory()
    specialist = staff_user(
        Role.SPECIALIST, agency=department.agency, department=department, phone=""
    )
    now = timezone.now()
    dossier = DossierFactory(
        processing=True,
        procedure__agency=department.agency,
        department=department,
        forwarded_at=now - timedelta(days=3),
        due_at=now - timedelta(hours=1),  # overdue
        appointment_at=now - timedelta(hours=1),
    )
    for name in ("queue", "control"):
        (tmp_path / "celery" / name).mkdir(parents=True)
    settings_db = connection.settings_dict
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL")},
        "DATABASE_URL": (
            f"postgres://{settings_db['USER']}@{settings_db['HOST']}:{settings_db['PORT']}"
            f"/{settings_db['NAME']}"
        ),
        "CELERY_BROKER_URL": "filesystem://",
        "CELERY_FILESYSTEM_FOLDER": str(tmp_path / "celery"),
        "DEADLINE_SCAN_INTERVAL_SECONDS": "2",
        "EMAIL_URL": "consolemail://",
        "PYTHONUNBUFFERED": "1",
    }
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("celery")),
            "-A",
            "portal",
            "worker",
            "--beat",
            "--pool=solo",
            "--without-mingle",
            "--without-gossip",
            "--loglevel=INFO",
            f"--schedule={tmp_path / 'beat-schedule'}",
            f"--logfile={log}",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            sent = Notification.objects.filter(
                user=specialist, template="dossier_overdue", status=Notification.Status.SENT
            )
            if sent.exists():
                break
            assert worker.poll() is None, log.read_text()
            time.sleep(1)
        else:
            pytest.fail("no message sent:\n" + log.read_text())
        time.sleep(5)  # a few more beats: still exactly one message
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    output = log.read_text()
    assert "Sending due task deadline-scan" in output
    assert "Task dossiers.tasks.deadline_scan" in output
    assert "Task portal.notifications.tasks.send_notification" in output
    assert dossier.code in output  # the console e-mail backend writes into the log
    assert Notification.objects.filter(user=specialist).count() == 1
    assert dossier.deadline_alerts.count() == 1
