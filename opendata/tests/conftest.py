"""Shared data of the service-index tests."""

import pytest

from dossiers.models import Dossier
from feedback.models import Feedback, Rating
from feedback.tests.factories import FeedbackFactory, RatingFactory
from payments.models import Payment
from payments.tests.factories import PaymentFactory
from procedures.tests.factories import ProcedureFactory
from reporting import periods
from reporting.tests.data import at, dossier
from tests.factories import AgencyFactory

S = Dossier.State


@pytest.fixture
def march(settings):
    """Agency A in March 2026 (calendar months): the figures of test_service_index."""
    settings.REPORT_PERIOD_CONVENTION = periods.CALENDAR
    settings.NATIONAL_SYNC_URL = ""
    return build_march()


def build_march():
    a = AgencyFactory(code="000.00.01.H45", name="Sở Tư pháp")
    b = AgencyFactory(code="000.00.02.H45", name="Sở Xây dựng")
    p1 = ProcedureFactory(code="1.000001", agency=a, level4=True, documents=2, published=True)
    p3 = ProcedureFactory(code="1.000003", agency=a, level=3, published=True)  # no documents
    p4 = ProcedureFactory(code="1.000004", agency=a, level=2, documents=1, published=True)
    p2 = ProcedureFactory(code="1.000002", agency=b, level=3, documents=1, published=True)
    online, desk = "online", "desk"
    d1 = dossier(
        p1,
        state=S.DONE,
        submitted="2026-03-02 08:00",
        due="2026-03-10 10:00",
        finished="2026-03-09 10:00",
    )  # early
    d2 = dossier(
        p1,
        state=S.DONE,
        submitted="2026-03-03 08:00",
        due="2026-03-05 10:00",
        finished="2026-03-06 10:00",
    )  # late
    d3 = dossier(
        p1,
        state=S.DONE,
        submitted="2026-03-04 08:00",
        channel=desk,
        due="2026-03-20 16:00",
        finished="2026-03-20 09:00",
    )  # on time
    dossier(
        p3,
        state=S.RETURNED,
        submitted="2026-03-05 08:00",
        channel=desk,
        finished="2026-03-06 08:00",
    )
    dossier(
        p4, state=S.PROCESSING, submitted="2026-03-10 08:00", channel=desk, due="2026-04-10 10:00"
    )
    dossier(
        p2,
        state=S.DONE,
        submitted="2026-03-11 08:00",
        channel=online,
        due="2026-03-20 10:00",
        finished="2026-03-12 10:00",
    )  # agency B
    # Payments: two online, one in cash at the desk (+ one pending, not counted).
    for item, method, paid in (
        (d1, Payment.Method.ONLINE, "2026-03-02 09:00"),
        (d2, Payment.Method.ONLINE, "2026-03-03 09:00"),
        (d3, Payment.Method.CASH, "2026-03-04 09:00"),
    ):
        PaymentFactory(dossier=item, method=method, state=Payment.State.PAID, paid_at=at(paid))
    PaymentFactory(dossier=d1, state=Payment.State.PENDING)
    # Feedback to A: on time (but the sender was not satisfied), late, still open.
    received = at("2026-03-16 08:00")
    FeedbackFactory(
        agency=a,
        received_at=received,
        due_at=at("2026-03-19 08:00"),
        state=Feedback.State.CLOSED,
        answered_at=at("2026-03-18 08:00"),
        resolved=False,
    )
    FeedbackFactory(
        agency=a,
        received_at=received,
        due_at=at("2026-03-19 08:00"),
        state=Feedback.State.CLOSED,
        answered_at=at("2026-03-20 08:00"),
    )
    FeedbackFactory(agency=a, received_at=received, due_at=at("2026-03-19 08:00"))
    # One unsatisfied rating of d2 in March, one satisfied of d1.
    for item, stars in ((d2, 1), (d1, 5)):
        RatingFactory(dossier=item, stars=stars)
    Rating.objects.update(created_at=at("2026-03-25 08:00"))
    return {"A": a, "B": b}
