"""Celery tasks of the feedback app: thin wrappers calling one service."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task
def scan_feedback_deadlines() -> dict[str, int]:
    """Beat: reminders before the answer is due, escalation to leaders once overdue."""
    result = services.feedback_deadline_scan()
    return {"reminded": result.reminded, "escalated": result.escalated}
