"""Feedback references: ``PAKN-{yyMMdd}-{NNNN}``, numbered per day, without races."""

from __future__ import annotations

from datetime import date

from django.db import connection, transaction
from django.db.models import F

from .models import FeedbackCodeSequence


def next_number(day: date) -> int:
    if connection.vendor == "postgresql":
        # One statement: the upsert's row lock serialises concurrent submissions.
        table = FeedbackCodeSequence._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {table} (day, last_number) VALUES (%s, 1)
                ON CONFLICT (day) DO UPDATE SET last_number = {table}.last_number + 1
                RETURNING last_number
                """,  # noqa: S608 - table name from the model, values as parameters
                [day],
            )
            return int(cursor.fetchone()[0])
    with transaction.atomic():  # SQLite serialises writers itself.
        sequence, created = FeedbackCodeSequence.objects.get_or_create(
            day=day, defaults={"last_number": 1}
        )
        if created:
            return 1
        FeedbackCodeSequence.objects.filter(pk=sequence.pk).update(last_number=F("last_number") + 1)
        sequence.refresh_from_db(fields=["last_number"])
        return sequence.last_number


def feedback_code(day: date) -> str:
    return f"PAKN-{day:%y%m%d}-{next_number(day):04d}"
