"""Demo dossiers for the specialist queue and the leader's dashboard (`make run` only).

Made through the services, as the people would: the desk accepts and forwards, the leader
assigns, the specialist proposes, the leader approves. Skipped once the demo agency has a
proposal (a second run, or generated data).
"""

from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from portal.models import Agency, Department, User
from procedures.models import Procedure, ReturnMethod

from . import processing, services
from .models import Dossier, Proposal

DEMO_AGENCY = "000.00.21.H45"


def _pdf(title: str, subtitle: str) -> SimpleUploadedFile:
    from portal.demo import _demo_pdf  # the demo's small, valid PDF maker

    return SimpleUploadedFile(
        "ket-qua.pdf", _demo_pdf(title, subtitle), content_type="application/pdf"
    )


@transaction.atomic
def seed_processing_demo() -> int:
    """Dossiers assigned, awaiting approval, overdue and done with a result; returns how many."""
    from payments.demo import pay_at_desk  # payments builds on dossiers
    from portal.demo import DEMO_CITIZEN, _demo_files

    agency = Agency.objects.filter(code=DEMO_AGENCY).first()
    people = {u.username: u for u in User.objects.filter(username__in=_USERNAMES)}
    if agency is None or len(people) < len(_USERNAMES):
        return 0
    if Proposal.objects.filter(dossier__agency=agency).exists():
        return 0
    citizen, desk = people[DEMO_CITIZEN], people["motcua"]
    specialist, leader = people["chuyenvien"], people["lanhdao"]
    procedures = {p.code: p for p in Procedure.published.filter(agency=agency)}
    departments = {d.code: d for d in Department.objects.filter(agency=agency)}
    if not {"2.000806", "2.000908", "1.001612"} <= procedures.keys():
        return 0
    justice = departments.get("UBTH.PTP")
    finance = departments.get("UBTH.PTCKH")
    if justice is None or finance is None:
        return 0

    def forwarded(  # type: ignore[no-untyped-def]
        code: str, department: Department, *, name: str, national_id: str = "", online: bool = False
    ):
        procedure = procedures[code]
        if online:
            draft = services.dossier_create_draft(procedure=procedure, applicant=citizen)
            services.dossier_update_draft(
                dossier_id=draft.pk,
                actor=citizen,
                applicant_details=services.Applicant(
                    name=citizen.full_name,
                    national_id=citizen.national_id,
                    phone=citizen.phone,
                    email=citizen.email,
                    address="Số 5 đường Trần Hưng Đạo, Phường 1, TP. Tuy Hòa",
                ),
                return_method=ReturnMethod.ONLINE,
            )
            for document_id, upload in _demo_files(procedure, citizen.full_name).items():
                services.attachment_add(
                    dossier_id=draft.pk,
                    actor=citizen,
                    document_id=document_id,
                    upload=upload,  # type: ignore[arg-type]
                )
            dossier = services.dossier_submit(dossier_id=draft.pk, actor=citizen, declaration=True)
        else:
            dossier = services.dossier_register_walk_in(
                officer=desk,
                procedure=procedure,
                applicant=services.Applicant(
                    name=name,
                    national_id=national_id,
                    phone="0905123456",
                    address="Số 20 đường Nguyễn Huệ, Phường 2, TP. Tuy Hòa",
                ),
                files=_demo_files(procedure, name),  # type: ignore[arg-type]
                originals_checked=True,
            )
        pay_at_desk(dossier=dossier, officer=desk)  # fees due at submission come first
        services.dossier_accept(dossier_id=dossier.pk, officer=desk)
        return services.dossier_forward(dossier_id=dossier.pk, officer=desk, department=department)

    def assign(dossier: Dossier) -> None:
        processing.dossier_assign(dossier_id=dossier.pk, actor=leader, assignee=specialist)

    created = 0
    # Assigned to the specialist, to work on.
    assign(forwarded("2.000806", justice, name="Nguyễn Thị Hồng Nhung", national_id="054195002201"))
    # Not assigned yet: the specialist may take it.
    forwarded("2.000908", justice, name="Võ Văn Tám", national_id="054085002202")
    # Assigned and overdue (demo only: the dates are moved back).
    late = forwarded("2.000908", justice, name="Huỳnh Thị Kim Chi", national_id="054192002203")
    assign(late)
    due = timezone.now() - timedelta(days=2)
    Dossier.objects.filter(pk=late.pk).update(due_at=due, appointment_at=due)
    created += 3
    # A result awaiting the leader's approval.
    waiting = forwarded("2.000806", justice, name="Đỗ Minh Quân", national_id="054090002204")
    assign(waiting)
    processing.dossier_propose_result(
        dossier_id=waiting.pk,
        actor=specialist,
        result_text="Giấy chứng nhận kết hôn số 15/2026/GCNKH-NN, cấp ngày hôm nay.",
        files=[_pdf("Giấy chứng nhận kết hôn", "Đỗ Minh Quân")],
    )
    # A refusal awaiting the leader's approval.
    refusal = forwarded("2.000908", justice, name="Phan Thanh Sơn", national_id="054078002205")
    assign(refusal)
    processing.dossier_propose_refusal(
        dossier_id=refusal.pk,
        actor=specialist,
        reasons="Sổ gốc không còn lưu trữ tại UBND thành phố; đề nghị liên hệ Sở Tư pháp.",
    )
    created += 2
    # Done: approved by the leader, to collect at the desk.
    at_desk = forwarded("2.000908", justice, name="Lê Thị Thu Hà", national_id="054190007777")
    assign(at_desk)
    proposal = processing.dossier_propose_result(
        dossier_id=at_desk.pk,
        actor=specialist,
        result_text="Bản sao trích lục khai sinh từ sổ gốc (02 bản).",
        files=[_pdf("Bản sao từ sổ gốc", "Lê Thị Thu Hà")],
    )
    processing.proposal_approve(dossier_id=at_desk.pk, proposal_id=proposal.pk, leader=leader)
    # Done online: the citizen downloads the result from "My dossiers".
    online = forwarded("1.001612", finance, name=citizen.full_name, online=True)
    processing.dossier_propose_result(
        dossier_id=online.pk,
        actor=leader,
        result_text="Giấy chứng nhận đăng ký hộ kinh doanh số 45.A8.001234.",
        files=[_pdf("Giấy chứng nhận đăng ký hộ kinh doanh", citizen.full_name)],
    )
    created += 2
    return created


_USERNAMES = ("054095000123", "motcua", "chuyenvien", "lanhdao")
