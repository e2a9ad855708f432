""" "Why this date?" (Vì sao là ngày này?): a dossier's due time explained step by step.

Everything is recomputed from what the dossier stores (acceptance time, the procedure version,
the pauses and approved apologies) with the same calendar functions that set the dates, so the
explanation cannot drift from the dates it explains.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal import workdays
from procedures import services as procedure_services
from procedures.models import DEFAULT_SAME_DAY_CUTOFF, ProcessingUnit
from procedures.presenters import format_decimal

from .models import Apology, ClockPause, Dossier, DossierEvent


@dataclass(frozen=True)
class Line:
    title: str
    text: str
    items: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Explanation:
    lines: list[Line]
    due_at: str
    appointment_at: str


def _when(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%H:%M, %d/%m/%Y") if moment else ""


def _day(moment: datetime) -> str:
    return moment.strftime("%d/%m/%Y")


def duration_text(hours: Decimal) -> str:
    """12 working hours → "1 working day 4 hours" (a working day is the office day)."""
    per_day = workdays.working_hours_per_day()
    days, rest = divmod(Decimal(hours), per_day)
    parts = []
    if days:
        parts.append(
            ngettext("%(n)s working day", "%(n)s working days", int(days)) % {"n": int(days)}
        )
    if rest:
        rest = rest.quantize(Decimal("0.01")).normalize()
        parts.append(
            ngettext("%(n)s working hour", "%(n)s working hours", 1 if rest == 1 else 2)
            % {"n": format_decimal(rest)}
        )
    return " ".join(parts) or _("no working time")


def skipped_text(start: datetime, end: datetime) -> list[str]:
    """Non-working days between two moments, runs of the same reason joined: "04/02–10/02/2027:
    Tết Nguyên Đán"."""
    runs: list[tuple[str, list[datetime]]] = []
    for day in workdays.skipped_days(start, end):
        moment = datetime.combine(day.date, time())
        if runs and runs[-1][0] == day.reason and (day.date - runs[-1][1][-1].date()).days == 1:
            runs[-1][1].append(moment)
        else:
            runs.append((day.reason, [moment]))
    items = []
    for reason, days in runs:
        if len(days) == 1:
            items.append(f"{_day(days[0])}: {reason}")
        else:
            items.append(f"{days[0].strftime('%d/%m')}–{_day(days[-1])}: {reason}")
    return items


def _holiday_runs(start: datetime, end: datetime) -> tuple[list[str], int]:
    """Named holidays (and days off) listed one by one; plain weekends only counted."""
    weekend = str(workdays.WEEKEND)
    weekends = sum(1 for day in workdays.skipped_days(start, end) if day.reason == weekend)
    items = [item for item in skipped_text(start, end) if not item.endswith(f": {weekend}")]
    return items, weekends


def _skipped_line(title: str, start: datetime, end: datetime) -> Line | None:
    items, weekends = _holiday_runs(start, end)
    if not items and not weekends:
        return None
    text = (
        ngettext(
            "%(n)s weekend day was not counted.", "%(n)s weekend days were not counted.", weekends
        )
        % {"n": weekends}
        if weekends
        else ""
    )
    if items:
        text = (text + " " + _("Public holidays and days off not counted:")).strip()
    return Line(title=title, text=text, items=items)


def _policy_line(dossier: Dossier, data: dict) -> Line:  # type: ignore[type-arg]
    published = Decimal(data["processing_time"])
    unit = data["processing_unit"]
    amount, _unit = procedure_services.processing_time_for(data, online=dossier.is_online)
    unit_text = _("working days") if unit == ProcessingUnit.WORKING_DAYS else _("working hours")
    values = {
        "amount": format_decimal(amount),
        "published": format_decimal(published),
        "unit": unit_text,
    }
    if not dossier.is_online:
        text = _(
            "The dossier was not submitted online, so the full published time applies: "
            "%(published)s %(unit)s. The halving policy is for online dossiers only."
        )
    elif data.get("processing_time_online"):
        text = _(
            "Submitted online: the procedure publishes %(amount)s %(unit)s for online dossiers "
            "(%(published)s at the desk)."
        )
    elif amount < published:
        text = _(
            "Submitted online: the province halves the time of procedures of 2 working days or "
            "more for online dossiers, so %(amount)s %(unit)s apply instead of %(published)s."
        )
    elif not settings.ONLINE_HALVING_ENABLED:
        text = _(
            "Submitted online, but the halving policy for online dossiers is switched off: "
            "%(published)s %(unit)s apply."
        )
    else:
        text = _(
            "Submitted online, but the time is not halved: the policy applies only to "
            "procedures of 2 working days or more. %(published)s %(unit)s apply."
        )
    return Line(title=_("Processing time and the halving policy"), text=text % values)


def _original_due(dossier: Dossier, data: dict) -> datetime:  # type: ignore[type-arg]
    accepted = dossier.events.filter(kind=DossierEvent.Kind.ACCEPTED).order_by("pk").first()
    if accepted is not None and (accepted.data or {}).get("due_at"):
        found = parse_datetime(accepted.data["due_at"])
        if found is not None:
            return found
    return procedure_services.due_at(
        data,
        received_at=dossier.accepted_at,  # type: ignore[arg-type]  # checked by the caller
        online=dossier.is_online,
    )


def explain_due(dossier: Dossier, *, now: datetime | None = None) -> Explanation | None:
    """The due time of an accepted dossier in plain sentences (None before acceptance)."""
    if dossier.accepted_at is None or dossier.due_at is None:
        return None
    now = now or timezone.now()
    data = dossier.procedure_version.data
    lines: list[Line] = []

    accepted = dossier.accepted_at
    start = workdays.next_working_moment(accepted)
    start_text = _(
        "The desk accepted the dossier at %(time)s; the processing time counts from then."
    ) % {"time": _when(accepted)}
    if start != accepted:
        start_text += " " + _(
            "That was outside office hours, so counting starts at the next working moment, "
            "%(start)s."
        ) % {"start": _when(start)}
    if data.get("processing_unit") == ProcessingUnit.WORKING_HOURS:
        cutoff = (
            time.fromisoformat(data["same_day_cutoff"])
            if data.get("same_day_cutoff")
            else DEFAULT_SAME_DAY_CUTOFF
        )
        if timezone.localtime(start).time() >= cutoff:
            start_text += " " + _(
                "It arrived after the %(cutoff)s cut-off for same-day procedures, so it is "
                "settled on the next working day."
            ) % {"cutoff": cutoff.strftime("%H:%M")}
        else:
            start_text += " " + _("Same-day procedure: it is settled before the office closes.")
    lines.append(Line(title=_("Start"), text=start_text))
    lines.append(_policy_line(dossier, data))

    original = _original_due(dossier, data)
    skipped = _skipped_line(_("Weekends and holidays skipped"), start, original)
    if skipped is not None:
        lines.append(skipped)
    lines.append(
        Line(
            title=_("Due time at acceptance"),
            text=_("Counting only working time (office hours of working days): %(time)s.")
            % {"time": _when(original)},
        )
    )

    for pause in ClockPause.objects.filter(dossier=dossier).order_by("started_at", "pk"):
        lines.append(_pause_line(pause, now))

    apologies = Apology.objects.filter(dossier=dossier, status=Apology.Status.APPROVED).order_by(
        "decided_at", "pk"
    )
    for apology in apologies:
        lines.append(
            Line(
                title=_("Apology and new appointment"),
                text=_(
                    "On %(time)s the agency apologised for the delay (%(reason)s) and set a new "
                    "appointment: %(new)s (it was %(old)s). The legal due time does not move: "
                    "statistics still count the dossier against it."
                )
                % {
                    "time": _when(apology.decided_at),
                    "reason": apology.reason,
                    "new": _when(apology.new_appointment_at),
                    "old": _when(apology.previous_appointment_at),
                },
            )
        )

    result = _("Legal due time: %(due)s. Appointment for the result: %(appointment)s.") % {
        "due": _when(dossier.due_at),
        "appointment": _when(dossier.appointment_at),
    }
    lines.append(Line(title=_("Result"), text=result))
    return Explanation(
        lines=lines, due_at=_when(dossier.due_at), appointment_at=_when(dossier.appointment_at)
    )


def _pause_line(pause: ClockPause, now: datetime) -> Line:
    if pause.ended_at is None:
        return Line(
            title=_("Processing paused"),
            text=_(
                "Paused since %(start)s while waiting for your supplement (%(reason)s). The due "
                "time will move by the working time the pause lasts."
            )
            % {"start": _when(pause.started_at), "reason": pause.reason or "—"},
        )
    items, weekends = _holiday_runs(pause.started_at, pause.ended_at)
    text = _(
        "Paused from %(start)s to %(end)s while waiting for your supplement (%(reason)s): "
        "%(duration)s of working time. The due time moved from %(before)s to %(after)s."
    ) % {
        "start": _when(pause.started_at),
        "end": _when(pause.ended_at),
        "reason": pause.reason or "—",
        "duration": duration_text(pause.working_hours or Decimal(0)),
        "before": _when(pause.due_before),
        "after": _when(pause.due_after),
    }
    if items or weekends:
        text += " " + _("Days off during the pause cost nothing: only working time is added back.")
    return Line(title=_("Processing paused"), text=text, items=items)
