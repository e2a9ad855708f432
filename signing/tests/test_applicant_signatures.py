"""Level 4: a document the applicant must sign is checked against the configured trust roots;
an unknown authority is shown as not trusted (never refused silently); the desk sees it."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers

from dossiers import services
from dossiers.models import Attachment
from dossiers.tests.factories import PDF_BYTES, desk_officer_for
from procedures import services as procedure_services
from procedures.tests.factories import ProcedureFactory
from signing import ca
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _citizen_signed(directory, *, name: str) -> bytes:
    """A PDF signed with a citizen certificate issued by the CA in ``directory``."""
    p12 = ca.issue_agency_certificate(
        directory, agency_code="cong-dan", agency_name=name, province="Nhà cung cấp chữ ký số"
    )
    signer = signers.SimpleSigner.load_pkcs12(
        str(p12), passphrase=(directory / "cong-dan.pass").read_bytes()
    )
    out = io.BytesIO()
    signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(PDF_BYTES)),
        signers.PdfSignatureMetadata(field_name="ChuKyCongDan"),
        signer=signer,
        output=out,
    )
    return out.getvalue()


@pytest.fixture
def draft(settings, tmp_path):
    citizen_ca = tmp_path / "citizen-ca"
    settings.SIGNING_TRUST_ROOTS = [str(citizen_ca / ca.ROOT_CERT)]
    procedure = ProcedureFactory(level4=True, documents=1, published=True)
    procedure.documents.update(must_be_signed=True)
    procedure_services.procedure_publish(procedure=procedure, actor=None)
    procedure.refresh_from_db()
    assert procedure.current_version.data["documents"][0]["must_be_signed"] is True
    owner = UserFactory()
    dossier = services.dossier_create_draft(procedure=procedure, applicant=owner)
    return dossier, citizen_ca, tmp_path / "unknown-ca"


def _attach(dossier, data: bytes) -> Attachment:
    document_id = dossier.procedure_version.data["documents"][0]["id"]
    upload = SimpleUploadedFile("don-de-nghi.pdf", data, content_type="application/pdf")
    return services.attachment_add(
        dossier_id=dossier.pk, actor=dossier.applicant, document_id=document_id, upload=upload
    )


def test_a_signature_by_a_trusted_citizen_ca_is_valid_and_the_desk_sees_it(
    client, login_staff, draft
):
    dossier, citizen_ca, _unknown = draft
    attachment = _attach(dossier, _citizen_signed(citizen_ca, name="Nguyễn Văn An"))
    assert attachment.signature_outcome == "valid"
    assert "Nguyễn Văn An" in attachment.signature_note

    client.force_login(dossier.applicant)
    page = client.get(reverse("dossiers:draft_edit", kwargs={"pk": dossier.pk})).content.decode()
    assert 'data-citizen-signature="valid"' in page and "Nguyễn Văn An" in page

    services.dossier_submit(dossier_id=dossier.pk, actor=dossier.applicant, declaration=True)
    login_staff(desk_officer_for(dossier))
    desk = client.get(reverse("desk:dossier", kwargs={"pk": dossier.pk})).content.decode()
    assert 'data-citizen-signature="valid"' in desk and "Nguyễn Văn An" in desk


def test_a_signature_by_an_unknown_ca_is_kept_and_shown_as_not_trusted(client, login_staff, draft):
    dossier, citizen_ca, unknown_ca = draft
    ca.root_ca(citizen_ca, province="Nhà cung cấp chữ ký số")  # the configured root exists
    attachment = _attach(dossier, _citizen_signed(unknown_ca, name="Trần Thị Bình"))
    assert attachment.signature_outcome == "untrusted"  # accepted, not silently refused
    assert "Trần Thị Bình" in attachment.signature_note
    services.dossier_submit(dossier_id=dossier.pk, actor=dossier.applicant, declaration=True)
    login_staff(desk_officer_for(dossier))
    desk = client.get(reverse("desk:dossier", kwargs={"pk": dossier.pk})).content.decode()
    assert 'data-citizen-signature="untrusted"' in desk
    assert "không do tổ chức mà Cổng tin cậy" in desk


def test_an_unsigned_pdf_for_a_document_to_sign_says_so(draft):
    dossier, _citizen_ca, _unknown = draft
    attachment = _attach(dossier, PDF_BYTES)
    assert attachment.signature_outcome == "unsigned"
    assert "chữ ký số" in attachment.signature_note or "signature" in attachment.signature_note


def test_documents_not_to_sign_are_not_checked():
    procedure = ProcedureFactory(level4=True, documents=1, published=True)
    dossier = services.dossier_create_draft(procedure=procedure, applicant=UserFactory())
    assert "must_be_signed" not in procedure.current_version.data["documents"][0]
    assert _attach(dossier, PDF_BYTES).signature_outcome == ""
