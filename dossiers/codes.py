"""Dossier codes: `{agency code}-{yyMMdd}-{NNNN}`, numbered per receiving agency per day."""

from __future__ import annotations

from datetime import date

from django.db import connection, transaction
from django.db.models import F

from portal.models import Agency

from .models import DossierCodeSequence, DossierRegisterVolume


def next_number(*, agency: Agency, day: date) -> int:
    """The next number of the day for the agency; never the same twice, even concurrently."""
    if connection.vendor == "postgresql":
        # One statement: the row lock of the upsert serialises concurrent submissions.
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {DossierCodeSequence._meta.db_table} (agency_id, day, last_number)
                VALUES (%s, %s, 1)
                ON CONFLICT (agency_id, day)
                DO UPDATE SET last_number = {DossierCodeSequence._meta.db_table}.last_number + 1
                RETURNING last_number
                """,  # noqa: S608 - table name from the model, values as parameters
                [agency.pk, day],
            )
            return int(cursor.fetchone()[0])
    # SQLite (embedded default) serialises writers itself.
    with transaction.atomic():
        sequence, created = DossierCodeSequence.objects.get_or_create(
            agency=agency, day=day, defaults={"last_number": 1}
        )
        if created:
            return 1
        DossierCodeSequence.objects.filter(pk=sequence.pk).update(last_number=F("last_number") + 1)
        sequence.refresh_from_db(fields=["last_number"])
        return sequence.last_number


def dossier_code(*, agency: Agency, day: date) -> str:
    return f"{agency.code}-{day:%y%m%d}-{next_number(agency=agency, day=day):04d}"


def next_register_number(*, agency: Agency, volume: int) -> int:
    """The next number in the agency's register of a volume (one volume a year), race-free."""
    table = DossierRegisterVolume._meta.db_table
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {table} (agency_id, volume, last_number) VALUES (%s, %s, 1)
                ON CONFLICT (agency_id, volume)
                DO UPDATE SET last_number = {table}.last_number + 1
                RETURNING last_number
                """,  # noqa: S608 - table name from the model, values as parameters
                [agency.pk, volume],
            )
            return int(cursor.fetchone()[0])
    with transaction.atomic():
        counter, created = DossierRegisterVolume.objects.get_or_create(
            agency=agency, volume=volume, defaults={"last_number": 1}
        )
        if created:
            return 1
        DossierRegisterVolume.objects.filter(pk=counter.pk).update(last_number=F("last_number") + 1)
        counter.refresh_from_db(fields=["last_number"])
        return counter.last_number
