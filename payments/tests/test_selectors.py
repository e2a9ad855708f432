"""Figures for reports: count and amount by method, agency and period, aggregated in SQL."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from payments.models import Payment
from payments.selectors import payment_figures, refund_figures
from payments.tests.factories import PaymentFactory, fee_dossier

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def paid(dossier, *, method, amount, at, **kwargs):
    return PaymentFactory(
        dossier=dossier, paid=True, method=method, amount=amount, paid_at=at, **kwargs
    )


def test_figures_by_method_agency_and_month():
    a, b = fee_dossier(), fee_dossier()
    jan, feb = datetime(2026, 1, 10, 9, tzinfo=TZ), datetime(2026, 2, 3, 9, tzinfo=TZ)
    paid(a, method="cash", amount=50000, at=jan, txn_ref=None)
    paid(a, method="online", amount=75000, at=feb)
    paid(b, method="online", amount=100000, at=feb)
    PaymentFactory(dossier=b, amount=999999)  # pending: not money
    PaymentFactory(dossier=b, failed=True, amount=999999)
    paid(b, method="online", amount=1, at=datetime(2025, 12, 31, 23, tzinfo=TZ))  # outside
    start, end = datetime(2026, 1, 1, tzinfo=TZ), datetime(2026, 7, 1, tzinfo=TZ)
    with CaptureQueriesContext(connection) as queries:
        by_method = payment_figures(start=start, end=end)
    assert len(queries) == 1
    assert by_method == [
        {"method": "cash", "count": 1, "amount": 50000},
        {"method": "online", "count": 2, "amount": 175000},
    ]
    by_agency = payment_figures(start=start, end=end, by=("agency",))
    assert {row["agency_id"]: row["amount"] for row in by_agency} == {
        a.agency_id: 125000,
        b.agency_id: 100000,
    }
    monthly = payment_figures(start=start, end=end, by=(), period="month", agency_ids=[a.agency_id])
    assert [(row["period"].month, row["count"], row["amount"]) for row in monthly] == [
        (1, 1, 50000),
        (2, 1, 75000),
    ]
    with pytest.raises(ValueError):
        payment_figures(start=start, end=end, by=("applicant",))


def test_refund_figures():
    dossier = fee_dossier()
    at = datetime(2026, 3, 1, 9, tzinfo=TZ)
    PaymentFactory(dossier=dossier, refunded=True, amount=50000, refunded_at=at)
    PaymentFactory(dossier=dossier, refund_requested=True, amount=70000)
    totals = refund_figures(start=at - timedelta(days=1), end=at + timedelta(days=1))
    assert totals == {"count": 1, "amount": 50000}
    assert Payment.objects.count() == 2
