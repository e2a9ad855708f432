"""Dossiers of a citizen taken to acceptance and to a result, for the store's tests."""

from dossiers import processing, services
from dossiers.models import Dossier
from dossiers.tests.factories import desk_officer_for, leader_for, pdf_upload, specialist_for
from procedures import services as procedure_services
from procedures.tests.factories import ProcedureFactory, RequiredDocumentFactory
from tests.factories import DepartmentFactory

BIRTH = "Giấy chứng sinh do cơ sở y tế cấp"
ID_CARD = "Căn cước công dân của người đi khai sinh"


def two_document_procedure(*, fee: int = 0, **kwargs):
    procedure = ProcedureFactory(level4=True, name="Đăng ký khai sinh", **kwargs)
    if fee:
        procedure.fees.create(name="Lệ phí đăng ký", amount=fee, position=1)
    RequiredDocumentFactory(procedure=procedure, name=BIRTH)
    RequiredDocumentFactory(procedure=procedure, name=ID_CARD, copy=True)
    procedure_services.procedure_publish(procedure=procedure, actor=None)
    procedure.refresh_from_db()
    return procedure


def document_ids(dossier: Dossier) -> list[int]:
    return [d["id"] for d in dossier.procedure_version.data["documents"]]


def submitted_dossier(owner, procedure=None, *, return_method="online") -> Dossier:
    procedure = procedure or two_document_procedure()
    dossier = services.dossier_create_draft(procedure=procedure, applicant=owner)
    for number, document_id in enumerate(document_ids(dossier)):
        services.attachment_add(
            dossier_id=dossier.pk,
            actor=owner,
            document_id=document_id,
            upload=pdf_upload(f"giay-to-{number}.pdf", _pdf(f"tep {number} {dossier.pk}")),
        )
    Dossier.objects.filter(pk=dossier.pk).update(return_method=return_method)
    services.dossier_submit(dossier_id=dossier.pk, actor=owner, declaration=True)
    dossier.refresh_from_db()
    return dossier


def accepted_dossier(owner, procedure=None, **kwargs) -> Dossier:
    dossier = submitted_dossier(owner, procedure, **kwargs)
    services.dossier_accept(dossier_id=dossier.pk, officer=desk_officer_for(dossier))
    dossier.refresh_from_db()
    return dossier


def finished_dossier(owner, procedure=None, **kwargs) -> Dossier:
    """Accepted, forwarded, assigned, a result proposed and approved by a leader."""
    dossier = accepted_dossier(owner, procedure, **kwargs)
    desk = desk_officer_for(dossier)
    department = DepartmentFactory(agency=dossier.agency)
    services.dossier_forward(dossier_id=dossier.pk, officer=desk, department=department)
    dossier.refresh_from_db()
    specialist = specialist_for(dossier)
    leader = leader_for(dossier)
    processing.dossier_assign(dossier_id=dossier.pk, actor=leader, assignee=specialist)
    proposal = processing.dossier_propose_result(
        dossier_id=dossier.pk,
        actor=specialist,
        result_text="Giấy khai sinh số 12/2026",
        files=[pdf_upload("giay-khai-sinh.pdf", _pdf(f"ket qua {dossier.pk}"))],
    )
    processing.proposal_approve(dossier_id=dossier.pk, proposal_id=proposal.pk, leader=leader)
    dossier.refresh_from_db()
    return dossier


def _pdf(text: str) -> bytes:
    return f"%PDF-1.4\n% {text}\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n".encode()


def asked_for_supplement_in_processing(owner):
    """Accepted, forwarded, then the department asks for a new birth certificate."""
    from dossiers import clock

    dossier = accepted_dossier(owner)
    department = DepartmentFactory(agency=dossier.agency)
    services.dossier_forward(
        dossier_id=dossier.pk, officer=desk_officer_for(dossier), department=department
    )
    dossier.refresh_from_db()
    certificate = document_ids(dossier)[0]
    clock.dossier_request_supplement_in_processing(
        dossier_id=dossier.pk,
        specialist=specialist_for(dossier),
        document_ids=[certificate],
        note="Giấy chứng sinh mờ, xin gửi bản rõ hơn.",
    )
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.INCOMPLETE
    return dossier, certificate
