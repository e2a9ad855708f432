"""One known dossier for the lookup bench (bench/pages.py); running it again changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dossiers.models import Dossier
from procedures.models import Channel, Procedure

BENCH_CODE = "000.00.01.H45-260101-0001"


class Command(BaseCommand):
    help = f"Create the dossier {BENCH_CODE} that the lookup bench looks up (not in production)."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("Bench data must not be created in production.")
        if Dossier.objects.filter(code=BENCH_CODE).exists():
            self.stdout.write(f"{BENCH_CODE} exists")
            return
        procedure = (
            Procedure.objects.filter(is_published=True, current_version__isnull=False)
            .order_by("-agency__code", "code")  # prefers a department over the province
            .filter(agency__code="000.00.01.H45")
            .first()
            or Procedure.objects.filter(is_published=True, current_version__isnull=False)
            .order_by("code")
            .first()
        )
        if procedure is None:
            raise CommandError("No published procedure: run manage.py seed_demo first.")
        received = datetime(2026, 1, 1, 8, 30, tzinfo=ZoneInfo(settings.TIME_ZONE))
        Dossier.objects.create(
            code=BENCH_CODE,
            procedure=procedure,
            procedure_version_id=procedure.current_version_id,
            agency_id=procedure.agency_id,
            applicant_name="Nguyễn Văn An",
            applicant_national_id="054090000001",
            channel=Channel.DESK,
            state=Dossier.State.PROCESSING,
            submitted_at=received,
            accepted_at=received,
            due_at=received + timedelta(days=7),
            appointment_at=received + timedelta(days=7),
        )
        self.stdout.write(f"{BENCH_CODE} created")
