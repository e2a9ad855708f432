"""Figures for reports: counted in SQL over feedback received in a period."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from feedback import selectors
from feedback.models import Feedback
from tests.factories import AgencyFactory

from .factories import FeedbackFactory, RatingFactory

pytestmark = pytest.mark.django_db
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
START, END = datetime(2026, 6, 1, tzinfo=HCM), datetime(2026, 7, 1, tzinfo=HCM)


def test_feedback_figures_by_agency_and_channel(django_assert_max_num_queries):
    a, b = AgencyFactory(), AgencyFactory()
    received = datetime(2026, 6, 8, 8, 0, tzinfo=HCM)  # due 11/6 08:00
    on_time = {"answered": True, "answered_at": received + timedelta(days=1)}
    late = {"answered": True, "answered_at": received + timedelta(days=5)}
    FeedbackFactory(agency=a, received_at=received, **on_time)
    FeedbackFactory(agency=a, received_at=received, channel=Feedback.Channel.PHONE, **late)
    FeedbackFactory(agency=a, received_at=received)  # open, overdue by July
    FeedbackFactory(agency=b, received_at=received, channel=Feedback.Channel.EMAIL, **on_time)
    FeedbackFactory(agency=b, received_at=datetime(2026, 5, 31, 9, 0, tzinfo=HCM))  # before
    with django_assert_max_num_queries(3):
        figures = selectors.feedback_figures(start=START, end=END, now=END)
    assert figures["totals"] == {
        "received": 4,
        "answered_on_time": 2,
        "answered_late": 1,
        "open": 1,
        "open_overdue": 1,
    }
    by_agency = {row["agency_id"]: row for row in figures["by_agency"]}
    assert (by_agency[a.pk]["received"], by_agency[a.pk]["answered_late"]) == (3, 1)
    assert by_agency[b.pk]["answered_on_time"] == 1
    by_channel = {row["channel"]: row["received"] for row in figures["by_channel"]}
    assert by_channel == {"online": 2, "phone": 1, "email": 1}
    only_b = selectors.feedback_figures(start=START, end=END, agency=b, now=END)
    assert only_b["totals"]["received"] == 1


def test_rating_average():
    agency = AgencyFactory()
    RatingFactory(stars=5, agency=agency)
    RatingFactory(stars=2, agency=agency)
    RatingFactory(stars=1)
    assert selectors.rating_figures(agency=agency) == {"count": 2, "average": 3.5}
    assert selectors.rating_figures()["count"] == 3
