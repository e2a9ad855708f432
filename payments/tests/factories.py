"""Payment factories with traits named after states: `PaymentFactory(paid=True)`."""

import factory
from django.utils import timezone

from dossiers.tests.factories import DossierFactory
from payments.models import Payment
from procedures.tests.factories import ProcedureFactory


def fee_dossier(*, fee_due="submission", amount=50000, level4=True, **dossier_kwargs):
    """A received online dossier of a published procedure with one fee of `amount`."""
    procedure = ProcedureFactory(level4=level4, fee_due=fee_due)
    procedure.fees.create(name="Lệ phí cấp giấy phép", amount=amount, position=1)
    from procedures import services

    services.procedure_publish(procedure=procedure, actor=None)
    procedure.refresh_from_db()
    dossier_kwargs.setdefault("received", True)
    return DossierFactory(procedure=procedure, **dossier_kwargs)


class PaymentFactory(factory.django.DjangoModelFactory):
    """A pending online payment of the whole fee of a received dossier."""

    class Meta:
        model = Payment

    dossier = factory.LazyFunction(fee_dossier)
    agency = factory.LazyAttribute(lambda o: o.dossier.agency)
    due = "submission"
    amount = 50000
    items = factory.LazyFunction(
        lambda: [{"name": "Lệ phí cấp giấy phép", "kind": "charge", "amount": 50000}]
    )
    method = Payment.Method.ONLINE
    payer_name = factory.LazyAttribute(lambda o: o.dossier.applicant_name)
    txn_ref = factory.Sequence(lambda n: f"T{n:08d}")
    gateway = "vnpay"
    gateway_created_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(minutes=15))
    state = Payment.State.PENDING

    class Params:
        paid = factory.Trait(
            state=Payment.State.PAID,
            paid_at=factory.LazyFunction(timezone.now),
            receipt_number=factory.Sequence(lambda n: f"2026-{n:06d}"),
            reference="14000001",
            gateway_data=factory.LazyFunction(lambda: {"transaction_no": "14000001"}),
        )
        failed = factory.Trait(state=Payment.State.FAILED)
        cancelled = factory.Trait(state=Payment.State.CANCELLED)
        expired = factory.Trait(state=Payment.State.EXPIRED)
        refund_requested = factory.Trait(
            paid=True,
            state=Payment.State.REFUND_REQUESTED,
            refund_requested_at=factory.LazyFunction(timezone.now),
            refund_reason="Từ chối tiếp nhận",
        )
        refunded = factory.Trait(
            refund_requested=True,
            state=Payment.State.REFUNDED,
            refunded_at=factory.LazyFunction(timezone.now),
        )
        cash = factory.Trait(method=Payment.Method.CASH, txn_ref=None, gateway="")
