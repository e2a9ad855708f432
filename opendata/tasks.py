"""Celery tasks of open data: thin wrappers around one service each."""

from __future__ import annotations

from celery import shared_task

from . import downloads


@shared_task(ignore_result=True)
def regenerate_open_data() -> list[str]:
    """Beat, daily after the report rollup: the downloads generated afresh."""
    return downloads.open_data_regenerate()
