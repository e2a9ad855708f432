"""What happens around generated dossiers (generate_dossiers; bench data, never production).

A report counts more than dossiers: clock pauses, inter-agency hand-offs, apologies for late
dossiers, fees paid and refunded, feedback and satisfaction ratings (DESIGN §9). `Records`
adds them to one generated dossier, consistent with its dates and state:

- fees: a procedure with fees gets a paid `Payment` once the dossier reached the step that
  needs it (acceptance for fees due at submission, the result for fees due then); a dossier
  rejected after it paid gets the payment refunded; receipt numbers follow the agency's yearly
  sequence and online payments carry an order reference that cannot meet a real one;
- a clock pause (a supplement asked during processing): every later moment of the dossier —
  due time, appointment, result, delivery — moves by the paused working days, as `clock_resume`
  moves them; pauses are added to dossiers finished before today only;
- a hand-off to another agency and back, on time or late against its sub-deadline;
- an apology with a new appointment for most dossiers finished after their due time;
- feedback about the dossier (about 1 %), answered within the 3 working days or late, still
  open when recent;
- a rating for about a fifth of the delivered results.

People on these rows (who paused, handed over, approved, rated) are inactive `gen-…` accounts
created once per agency, plus a pool of generated citizens: no one can sign in as them.
Working-day arithmetic on the 5-minute grid of generated moments uses a precomputed list of
working days (`WorkingCalendar`): the same results as `portal.workdays` for moments inside
office hours, without the per-call cost.
"""

from __future__ import annotations

import json
import random
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from portal import workdays
from portal.models import Agency, Department, User

from .models import ClockPause, Dossier, DossierEvent, Handoff

State, Kind = Dossier.State, DossierEvent.Kind

# Shares of the dossiers that get each record (of those it can apply to).
PAUSE_SHARE = 0.06  # finished after forwarding
HANDOFF_SHARE = 0.05  # finished with a result
APOLOGY_SHARE = 0.6  # finished late
FEEDBACK_SHARE = 0.01  # every submitted dossier
RATING_SHARE = 0.2  # delivered results
CITIZENS = 500
FEEDBACK_ANSWER_DAYS = 3

PAUSE_REASONS = [
    "Bổ sung bản sao chứng thực giấy tờ tùy thân.",
    "Bổ sung sơ đồ vị trí thửa đất.",
    "Đề nghị làm rõ thông tin tại tờ khai.",
]
HANDOFF_TASKS = [
    "Đề nghị xác nhận nghĩa vụ tài chính.",
    "Đề nghị cho ý kiến thẩm định.",
    "Đề nghị xác minh thông tin cư trú.",
]
FEEDBACK_SUBJECTS = [
    ("Hỏi về tiến độ giải quyết hồ sơ", "Hồ sơ của tôi đã quá ngày hẹn, đề nghị cho biết lý do."),
    ("Đề nghị hướng dẫn bổ sung giấy tờ", "Tôi chưa rõ cần bổ sung những giấy tờ gì."),
    ("Phản ánh thái độ phục vụ", "Cán bộ tiếp nhận hướng dẫn chưa rõ ràng."),
    ("Hỏi về phí, lệ phí", "Đề nghị cho biết mức lệ phí và cách nộp trực tuyến."),
]
FEEDBACK_ANSWER = "Cơ quan đã kiểm tra và trả lời: hồ sơ được giải quyết theo đúng quy định."
FEEDBACK_CHANNELS = [("online", 0.6), ("phone", 0.2), ("email", 0.1), ("writing", 0.1)]
STAR_WEIGHTS = [(1, 0.03), (2, 0.04), (3, 0.13), (4, 0.35), (5, 0.45)]
COMMENTS = ["", "", "", "Cán bộ hướng dẫn tận tình.", "Trả kết quả đúng hẹn.", "Cần nhanh hơn."]


def _cumulative(pairs: list[tuple[Any, float]]) -> tuple[list[Any], list[float]]:
    values, weights, total = [], [], 0.0
    for value, weight in pairs:
        total += weight
        values.append(value)
        weights.append(total)
    return values, weights


class WorkingCalendar:
    """Working days from `first` to `last`, for fast arithmetic on moments in office hours."""

    def __init__(self, first: date, last: date) -> None:
        self.zone = timezone.get_current_timezone()
        self.days = [
            first + timedelta(days=offset)
            for offset in range((last - first).days + 1)
            if workdays.is_working_day(first + timedelta(days=offset))
        ]
        self.index = {day: position for position, day in enumerate(self.days)}
        # At the very start of a session workdays answers with the end of the session before
        # (the same moment of working time): those moments take the exact route.
        self.session_starts = {start for start, _end in settings.OFFICE_HOURS}
        self.exact: dict[tuple[datetime, int], datetime] = {}

    def local(self, moment: datetime) -> datetime:
        return moment if moment.tzinfo is self.zone else moment.astimezone(self.zone)

    def add_days(self, moment: datetime, days: int) -> datetime:
        """`moment` plus whole working days; `moment` must be inside office hours."""
        local = self.local(moment)
        position = self.index.get(local.date())
        if (
            position is None
            or position + days >= len(self.days)
            or local.time() in self.session_starts
        ):
            key = (moment, days)
            if key not in self.exact:
                self.exact[key] = workdays.add_working_days(moment, days)
            return self.exact[key]
        return datetime.combine(self.days[position + days], local.time(), tzinfo=self.zone)

    def days_later(self, moment: datetime, days: int) -> timedelta:
        """The calendar span that `days` working days after `moment`'s day covers."""
        local = self.local(moment)
        position = self.index.get(local.date())
        if position is None or position + days >= len(self.days):
            return timedelta(days=days * 7 // 5)
        return timedelta(days=(self.days[position + days] - local.date()).days)


@dataclass
class People:
    """Inactive accounts named on generated rows: per agency a specialist and a leader."""

    specialist: dict[int, int]
    leader: dict[int, int]
    citizens: list[int]

    @classmethod
    def ensure(cls) -> People:
        agencies = list(Agency.objects.values_list("pk", flat=True))
        wanted: dict[str, int | None] = {f"gen-specialist-{pk}": pk for pk in agencies}
        wanted |= {f"gen-leader-{pk}": pk for pk in agencies}
        wanted |= {f"gen-citizen-{number}": None for number in range(CITIZENS)}
        existing = set(
            User.objects.filter(username__in=list(wanted)).values_list("username", flat=True)
        )
        password = make_password(None)  # unusable: nobody signs in as a generated person
        User.objects.bulk_create(
            [
                User(
                    username=username,
                    full_name=username,
                    agency_id=agency_id,
                    is_active=False,
                    password=password,
                )
                for username, agency_id in wanted.items()
                if username not in existing
            ],
            batch_size=1000,
        )
        ids = dict(User.objects.filter(username__in=list(wanted)).values_list("username", "pk"))
        return cls(
            specialist={pk: ids[f"gen-specialist-{pk}"] for pk in agencies},
            leader={pk: ids[f"gen-leader-{pk}"] for pk in agencies},
            citizens=[ids[f"gen-citizen-{number}"] for number in range(CITIZENS)],
        )


@dataclass(frozen=True)
class Fees:
    amount: int
    due: str  # "submission" or "result"
    items: str  # JSON of the version's fee items
    online_allowed: bool

    @classmethod
    def of(cls, data: dict[str, Any]) -> Fees | None:
        items = data.get("fees") or []
        amount = sum(int(item.get("amount") or 0) for item in items)
        if amount <= 0:
            return None
        return cls(
            amount=amount,
            due=str(data.get("fee_due") or "submission"),
            items=json.dumps(items, ensure_ascii=False),
            online_allowed=bool(data.get("online_payment_allowed", True)),
        )


# Rows for other tables, each with the model it belongs to; `dossier_id` is set on writing.
Extra = tuple[type[Any], dict[str, Any]]


class Records:
    """Adds the records around one generated dossier (see the module docstring)."""

    def __init__(
        self,
        *,
        rng: random.Random,
        now: datetime,
        calendar: WorkingCalendar,
        people: People,
        part: tuple[int, int] = (0, 1),
    ) -> None:
        from feedback.models import FeedbackCodeSequence
        from payments.models import ReceiptSequence

        self.rng, self.now, self.calendar, self.people = rng, now, calendar, people
        # Processes generating side by side number receipts and feedback in turn: process k of
        # n takes base+1+k, then every n-th number, so their numbers never meet.
        self.offset, self.stride = part
        self.zone = calendar.zone
        self.hours_per_day = workdays.working_hours_per_day()
        self.other_departments: dict[int, list[tuple[int, int]]] = {}
        departments = list(
            Department.objects.filter(is_one_stop_desk=False).values_list("agency_id", "pk")
        )
        for agency_id in {agency for agency, _pk in departments}:
            self.other_departments[agency_id] = [
                (agency, pk) for agency, pk in departments if agency != agency_id
            ]
        self.receipts: dict[tuple[int, int], int] = {
            (agency_id, year): number
            for agency_id, year, number in ReceiptSequence.objects.values_list(
                "agency_id", "year", "last_number"
            )
        }
        self.receipts_touched: set[tuple[int, int]] = set()
        first_day = timezone.localdate(now) - timedelta(days=3660)
        self.feedback_numbers: dict[date, int] = dict(
            FeedbackCodeSequence.objects.filter(day__gte=first_day).values_list(
                "day", "last_number"
            )
        )
        self.feedback_touched: set[date] = set()
        self.channels = _cumulative(FEEDBACK_CHANNELS)
        self.stars = _cumulative(STAR_WEIGHTS)

    # --- Entry point -----------------------------------------------------------------------

    def add(
        self, row: dict[str, Any], events: list[dict[str, Any]], fees: Fees | None
    ) -> list[Extra]:
        rng, extras = self.rng, []
        state = row["state"]
        finished = row.get("finished_at")
        forwarded = row.get("forwarded_at")
        if (
            forwarded is not None
            and finished is not None
            and state in (State.DONE, State.RETURNED)
            and rng.random() < PAUSE_SHARE
        ):
            extras += self._pause(row, events)
        if state == State.DONE and forwarded is not None and rng.random() < HANDOFF_SHARE:
            extras += self._handoff(row, events)
        if (
            state == State.DONE
            and row.get("due_at") is not None
            and row["finished_at"] > row["due_at"]
            and rng.random() < APOLOGY_SHARE
        ):
            extras += self._apology(row, events)
        if fees is not None:
            extras += self._payments(row, fees)
        if rng.random() < FEEDBACK_SHARE:
            extras += self._feedback(row)
        if row.get("delivered_at") is not None and rng.random() < RATING_SHARE:
            extras += self._rating(row)
        events.sort(key=lambda item: item["created_at"])
        row["updated_at"] = max(row["updated_at"], events[-1]["created_at"])
        return extras

    # --- Processing ------------------------------------------------------------------------

    def _pause(self, row: dict[str, Any], events: list[dict[str, Any]]) -> list[Extra]:
        """A supplement asked during processing: the clock stops for whole working days."""
        rng = self.rng
        forwarded, finished = row["forwarded_at"], row["finished_at"]
        started = forwarded + (finished - forwarded) * rng.uniform(0.2, 0.6)
        days = rng.randint(1, 5)
        span = self.calendar.days_later(started, days)
        later = [name for name in ("finished_at", "delivered_at") if row.get(name)]
        if any(row[name] + span >= self.now for name in later):
            return []  # the moved result would be in the future
        if started >= self.now or any(
            item["created_at"] > started and item["created_at"] + span >= self.now
            for item in events
        ):
            return []  # the pause, or an act it moves, would be in the future
        ended = started + span
        due_before, appointment_before = row["due_at"], row["appointment_at"]
        due_after = self.calendar.add_days(due_before, days)
        appointment_after = self.calendar.add_days(appointment_before, days)
        row["due_at"], row["appointment_at"] = due_after, appointment_after
        for name in later:
            row[name] += span
        for later_event in events:
            if later_event["created_at"] > started:
                later_event["created_at"] += span
        reason = rng.choice(PAUSE_REASONS)
        actor = self.people.specialist.get(row["agency_id"])
        events += [
            event(
                Kind.SUPPLEMENT_REQUESTED,
                started,
                State.PROCESSING,
                State.INCOMPLETE,
                reason=reason,
                data={"clock_paused": True},
                actor=actor,
            ),
            event(Kind.SUPPLEMENTED, ended, State.INCOMPLETE, State.PROCESSING),
            event(
                Kind.RESUMED,
                ended,
                State.INCOMPLETE,
                State.PROCESSING,
                data={
                    "paused_hours": str(self.hours_per_day * days),
                    "due_at": due_after.isoformat(),
                    "appointment_at": appointment_after.isoformat(),
                },
            ),
        ]
        return [
            (
                ClockPause,
                {
                    "started_at": started,
                    "ended_at": ended,
                    "working_hours": self.hours_per_day * days,
                    "reason": reason,
                    "actor_id": actor,
                    "due_before": due_before,
                    "due_after": due_after,
                    "appointment_before": appointment_before,
                    "appointment_after": appointment_after,
                },
            )
        ]

    def _handoff(self, row: dict[str, Any], events: list[dict[str, Any]]) -> list[Extra]:
        """A step at another agency, sent the working day after forwarding, handed back."""
        rng = self.rng
        others = self.other_departments.get(row["agency_id"])
        if not others or not row.get("department_id"):
            return []
        forwarded, finished = row["forwarded_at"], row["finished_at"]
        local = self.calendar.local(forwarded)
        position = self.calendar.index.get(local.date())
        if position is None or position + 1 >= len(self.calendar.days):
            return []
        sent = datetime.combine(self.calendar.days[position + 1], local.time(), tzinfo=self.zone)
        days = rng.choice([2, 3, 5])
        due = self.calendar.add_days(sent, days)
        late = rng.random() < 0.12
        returned = (
            due + timedelta(hours=rng.randint(2, 60))
            if late
            else sent + (due - sent) * rng.uniform(0.3, 0.95)
        )
        if returned >= finished:
            return []
        received = sent + (returned - sent) * 0.1
        to_agency, to_department = rng.choice(others)
        giver = self.people.specialist.get(row["agency_id"])
        receiver = self.people.specialist.get(to_agency)
        task = rng.choice(HANDOFF_TASKS)
        events += [
            event(Kind.HANDOFF_SENT, sent, State.PROCESSING, State.PROCESSING, actor=giver),
            event(
                Kind.HANDOFF_RECEIVED, received, State.PROCESSING, State.PROCESSING, actor=receiver
            ),
            event(
                Kind.HANDOFF_RETURNED,
                returned,
                State.PROCESSING,
                State.PROCESSING,
                actor=receiver,
                data={"late": late},
            ),
        ]
        return [
            (
                Handoff,
                {
                    "from_agency_id": row["agency_id"],
                    "from_department_id": row["department_id"],
                    "giver_id": giver,
                    "to_agency_id": to_agency,
                    "to_department_id": to_department,
                    "task": task,
                    "sent_at": sent,
                    "working_days": Decimal(days),
                    "due_at": due,
                    "received_at": received,
                    "receiver_id": receiver,
                    "returned_at": returned,
                    "returned_by_id": receiver,
                    "outcome": "Đã xử lý xong phần việc được giao.",
                },
            )
        ]

    def _apology(self, row: dict[str, Any], events: list[dict[str, Any]]) -> list[Extra]:
        """Drafted before the due time, approved by the leader: a new appointment."""
        from .models import Apology

        rng = self.rng
        due, finished = row["due_at"], row["finished_at"]
        late_days = (finished - due).days + 1
        new_appointment = self.calendar.add_days(due, late_days + rng.randint(0, 2))
        drafted = due - timedelta(hours=rng.randint(3, 30))
        decided = drafted + timedelta(hours=2)
        specialist = self.people.specialist.get(row["agency_id"])
        leader = self.people.leader.get(row["agency_id"])
        if specialist is None or leader is None or drafted <= row.get("forwarded_at", drafted):
            return []
        reason = "Hồ sơ cần xác minh thêm với cơ quan liên quan."
        row["appointment_at"] = new_appointment
        events += [
            event(
                Kind.APOLOGY_DRAFTED,
                drafted,
                State.PROCESSING,
                State.PROCESSING,
                reason=reason,
                actor=specialist,
            ),
            event(
                Kind.APOLOGY_APPROVED,
                decided,
                State.PROCESSING,
                State.PROCESSING,
                actor=leader,
                data={"appointment_at": new_appointment.isoformat()},
            ),
        ]
        return [
            (
                Apology,
                {
                    "reason": reason,
                    "previous_appointment_at": due,
                    "new_appointment_at": new_appointment,
                    "drafted_by_id": specialist,
                    "drafted_at": drafted,
                    "status": "approved",
                    "decided_by_id": leader,
                    "decided_at": decided,
                },
            )
        ]

    # --- Fees ------------------------------------------------------------------------------

    def _payments(self, row: dict[str, Any], fees: Fees) -> list[Extra]:
        from payments.models import Payment

        rng = self.rng
        accepted = row.get("accepted_at")
        if fees.due == "submission":
            if accepted is None:
                return []  # refused or withdrawn at the desk, or still waiting
            paid = row["submitted_at"] + (accepted - row["submitted_at"]) * rng.uniform(0.1, 0.9)
        else:
            delivered = row.get("delivered_at")
            if row["state"] != State.DONE or delivered is None:
                return []
            paid = delivered - timedelta(minutes=rng.randint(5, 600))
        channel = row["channel"]
        if channel == "online" and fees.online_allowed:
            method = Payment.Method.ONLINE if rng.random() < 0.75 else Payment.Method.BANK_TRANSFER
        elif channel == "post":
            method = Payment.Method.POST_OFFICE
        else:
            method = Payment.Method.CASH if rng.random() < 0.9 else Payment.Method.BANK_TRANSFER
        year = self.calendar.local(paid).year
        key = (row["agency_id"], year)
        number = self._next(self.receipts, self.receipts_touched, key)
        online = method == Payment.Method.ONLINE
        payment: dict[str, Any] = {
            "agency_id": row["agency_id"],
            "due": fees.due,
            "amount": fees.amount,
            "items": fees.items,
            "method": method,
            "state": Payment.State.PAID,
            "payer_name": row["applicant_name"],
            # "G" + the dossier code: never the digits-first reference of a real order.
            "txn_ref": "G" + "".join(filter(str.isalnum, row["code"])) + fees.due[0].upper()
            if online
            else None,
            "gateway": "vnpay" if online else "",
            "reference": f"{rng.randint(10**7, 10**8 - 1)}"
            if method != Payment.Method.CASH
            else "",
            "receipt_number": f"{year}-{number:06d}",
            "created_at": paid - timedelta(minutes=rng.randint(1, 20)),
            "paid_at": paid,
            "finished_at": paid,
        }
        if row["state"] == State.RETURNED and row.get("finished_at"):
            requested = row["finished_at"] + timedelta(hours=rng.randint(1, 8))
            refunded = requested + timedelta(days=rng.randint(1, 5))
            if refunded < self.now:
                payment |= {
                    "state": Payment.State.REFUNDED,
                    "refund_requested_at": requested,
                    "refund_reason": "Hoàn trả phí do hồ sơ không được giải quyết.",
                    "refunded_at": refunded,
                    "refund_reference": f"HT{rng.randint(10**6, 10**7 - 1)}",
                }
        return [(Payment, payment)]

    # --- Citizens --------------------------------------------------------------------------

    def _feedback(self, row: dict[str, Any]) -> list[Extra]:
        from feedback.models import Feedback

        rng = self.rng
        received = row["submitted_at"] + timedelta(hours=rng.randint(2, 240))
        if received >= self.now:
            return []
        local = self.calendar.local(received)
        received_on = local.date()
        number = self._next(self.feedback_numbers, self.feedback_touched, received_on)
        due = workdays.add_working_days(received, FEEDBACK_ANSWER_DAYS)
        subject, text = rng.choice(FEEDBACK_SUBJECTS)
        channel = rng.choices(self.channels[0], cum_weights=self.channels[1])[0]
        item: dict[str, Any] = {
            "code": f"PAKN-{received_on:%y%m%d}-{number:04d}",
            # From the system's random source, not the seeded one: two runs with the same
            # seed must not give two feedbacks the same tracking token.
            "token": secrets.token_hex(32),
            "channel": channel,
            "sender_name": row["applicant_name"],
            "sender_phone": row["applicant_phone"],
            "agency_id": row["agency_id"],
            "department_id": row.get("department_id"),
            "procedure_id": row["procedure_id"],
            "subject": subject,
            "text": text,
            "state": Feedback.State.RECEIVED,
            "received_at": received,
            "clock_started_at": received,
            "due_at": due,
            "created_at": received,
        }
        chance = rng.random()
        if due < self.now or chance < 0.4:
            answered = (
                due + timedelta(hours=rng.randint(1, 72))
                if chance > 0.9
                else received + (due - received) * rng.uniform(0.1, 0.95)
            )
            if answered < self.now:
                item |= {
                    "state": Feedback.State.ANSWERED,
                    "answer": FEEDBACK_ANSWER,
                    "answered_at": answered,
                    "answered_by_id": self.people.specialist.get(row["agency_id"]),
                }
        return [(Feedback, item)]

    def _rating(self, row: dict[str, Any]) -> list[Extra]:
        from feedback.models import Rating

        rng = self.rng
        rated = row["delivered_at"] + timedelta(hours=rng.randint(1, 96))
        if rated >= self.now:
            return []
        stars = rng.choices(self.stars[0], cum_weights=self.stars[1])[0]
        on_time = row.get("due_at") is None or row["finished_at"] <= row["due_at"]
        return [
            (
                Rating,
                {
                    "agency_id": row["agency_id"],
                    "rater_id": rng.choice(self.people.citizens),
                    "stars": stars,
                    "good_attitude": stars >= 4,
                    "on_time": on_time,
                    "clear_guidance": stars >= 3 and rng.random() < 0.8,
                    "comment": rng.choice(COMMENTS),
                    "created_at": rated,
                },
            )
        ]

    # --- Sequences -------------------------------------------------------------------------

    def _next(self, numbers: dict[Any, int], touched: set[Any], key: Any) -> int:
        if key in touched:
            number = numbers[key] + self.stride
        else:
            number = numbers.get(key, 0) + 1 + self.offset
            touched.add(key)
        numbers[key] = number
        return number

    def used_numbers(self) -> dict[str, dict[Any, int]]:
        """The highest receipt and feedback numbers this generator used, by counter."""
        return {
            "receipts": {key: self.receipts[key] for key in self.receipts_touched},
            "feedback": {day: self.feedback_numbers[day] for day in self.feedback_touched},
        }


def raise_counter(model: type[Any], keys: tuple[str, ...], numbers: dict[Any, int]) -> None:
    """Raise a counter table's `last_number` per key to the numbers given, never lower it.

    `numbers` maps a key value (a tuple for several key columns) to the highest number used.
    """
    from django.db import connection

    table = model._meta.db_table
    greatest = "GREATEST" if connection.vendor == "postgresql" else "MAX"
    columns = ", ".join(keys)
    placeholders = ", ".join(["%s"] * (len(keys) + 1))
    rows = [
        (*(key if isinstance(key, tuple) else (key,)), number)
        for key, number in sorted(numbers.items())
    ]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({columns}, last_number) VALUES ({placeholders}) "  # noqa: S608
            f"ON CONFLICT ({columns}) DO UPDATE SET "
            f"last_number = {greatest}({table}.last_number, excluded.last_number)",
            rows,
        )


def save_sequences(used: dict[str, dict[Any, int]]) -> None:
    """Raise receipt and feedback counters to the highest numbers used (never lower)."""
    from feedback.models import FeedbackCodeSequence
    from payments.models import ReceiptSequence

    raise_counter(ReceiptSequence, ("agency_id", "year"), used["receipts"])
    raise_counter(FeedbackCodeSequence, ("day",), used["feedback"])


def event(
    kind: str,
    at: datetime,
    from_state: str,
    to_state: str,
    *,
    reason: str = "",
    data: dict[str, Any] | None = None,
    actor: int | None = None,
) -> dict[str, Any]:
    row = {
        "kind": kind,
        "created_at": at,
        "from_state": from_state,
        "to_state": to_state,
        "reason": reason,
        "data": data or {},
    }
    if actor is not None:
        row["actor_id"] = actor
    return row
