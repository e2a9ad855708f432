"""Demo payments for `make run`: paid at the desk and online, one pending, one refunded.

Made through the services and, for the online payment, through the real IPN path with a
notification signed as the sandbox gateway signs it. Never for production.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from dossiers.models import Dossier
from portal.models import User

from . import services
from .gateways import gmt7, sign_params
from .models import Payment
from .selectors import dossier_fees

DEMO_AGENCY = "000.00.21.H45"


def pay_at_desk(*, dossier: Dossier, officer: User) -> Payment | None:
    """Cash at the desk for fees still owed (demo dossiers accepted at the desk pay first)."""
    if dossier_fees(dossier).outstanding <= 0:
        return None
    return services.payment_record_desk(
        dossier_id=dossier.pk, officer=officer, method=Payment.Method.CASH
    )


def _signed_ipn(payment: Payment, *, response_code: str = "00") -> dict[str, str]:
    params = {
        "vnp_Amount": str(payment.amount * 100),
        "vnp_BankCode": "NCB",
        "vnp_OrderInfo": services.order_info(payment),
        "vnp_PayDate": gmt7(payment.created_at),
        "vnp_ResponseCode": response_code,
        "vnp_TmnCode": settings.VNPAY_TMN_CODE,
        "vnp_TransactionNo": f"{14000000 + payment.pk}",
        "vnp_TransactionStatus": response_code,
        "vnp_TxnRef": payment.txn_ref or "",
    }
    params["vnp_SecureHash"] = sign_params(settings.VNPAY_HASH_SECRET, params)
    return params


@transaction.atomic
def seed_payments_demo() -> int:
    """Skipped when the demo agency already has payments, or the sandbox is off."""
    from portal.demo import DEMO_CITIZEN, _demo_files

    if settings.PRODUCTION or not settings.PAYMENT_SANDBOX_ENABLED:
        return 0
    if Payment.objects.filter(agency__code=DEMO_AGENCY, method=Payment.Method.ONLINE).exists():
        return 0
    from dossiers import services as dossier_services
    from procedures.models import Procedure

    citizen = User.objects.filter(username=DEMO_CITIZEN).first()
    desk = User.objects.filter(username="motcua", agency__code=DEMO_AGENCY).first()
    procedure = Procedure.published.filter(code="1.001612", agency__code=DEMO_AGENCY).first()
    walk_in_procedure = Procedure.published.filter(
        code="2.000806", agency__code=DEMO_AGENCY
    ).first()
    if citizen is None or desk is None or procedure is None or walk_in_procedure is None:
        return 0
    created = 0
    gateway_return = f"{settings.PORTAL_BASE_URL}/thanh-toan/ket-qua/"

    def online_dossier() -> Dossier:
        draft = dossier_services.dossier_create_draft(procedure=procedure, applicant=citizen)
        for document_id, upload in _demo_files(procedure, citizen.full_name).items():
            dossier_services.attachment_add(
                dossier_id=draft.pk,
                actor=citizen,
                document_id=document_id,
                upload=upload,  # type: ignore[arg-type]
            )
        return dossier_services.dossier_submit(dossier_id=draft.pk, actor=citizen, declaration=True)

    # Paid online: the citizen went through the gateway, the IPN confirmed it.
    paid_online = online_dossier()
    payment, _url = services.payment_start_online(
        dossier_id=paid_online.pk, actor=citizen, client_ip="127.0.0.1", return_url=gateway_return
    )
    services.payment_record_ipn(params=_signed_ipn(payment))
    created += 1
    # Pending: a payment started and never finished (reconciliation will expire it).
    pending = online_dossier()
    services.payment_start_online(
        dossier_id=pending.pk, actor=citizen, client_ip="127.0.0.1", return_url=gateway_return
    )
    created += 1
    # Refunded: paid in cash at the desk, then the dossier was refused; the desk paid it back.
    walk_in = dossier_services.dossier_register_walk_in(
        officer=desk,
        procedure=walk_in_procedure,
        applicant=dossier_services.Applicant(
            name="Võ Thị Hồng Nhung", national_id="054195003456", phone="0905777888"
        ),
        files=_demo_files(walk_in_procedure, "Võ Thị Hồng Nhung"),  # type: ignore[arg-type]
        originals_checked=True,
    )
    cash = services.payment_record_desk(
        dossier_id=walk_in.pk, officer=desk, method=Payment.Method.CASH
    )
    dossier_services.dossier_refuse(
        dossier_id=walk_in.pk,
        officer=desk,
        reason="Người nước ngoài chưa có giấy xác nhận tình trạng hôn nhân hợp lệ.",
    )
    services.payment_refund_record(
        payment_id=cash.pk, officer=desk, reference="PC-2026-0015", note="Hoàn tiền mặt."
    )
    created += 1
    return created
