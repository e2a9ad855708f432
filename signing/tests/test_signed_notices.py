"""Every notice the desk issues is signed; anyone can verify it at /xac-thuc/."""

import asyncio
import hashlib
import io

import pytest
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from django.urls import reverse
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader, PdfWriter

from dossiers import notices, services
from dossiers.models import Notice
from dossiers.tests.factories import DossierFactory, desk_officer_for
from signing import ca, keys, pdf
from signing.models import SignedDocument

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(django_capture_on_commit_callbacks):
    """A receipt issued on acceptance, as the citizen downloads it."""
    dossier = DossierFactory(received=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.dossier_accept(dossier_id=dossier.pk, officer=desk_officer_for(dossier))
    notice = Notice.objects.get(dossier=dossier, kind=Notice.Kind.RECEIPT)
    assert notice.status == Notice.Status.READY
    with notice.file.open("rb") as handle:
        return notice, handle.read()


def _demo_root(keys_dir):
    der = pem.unarmor((keys_dir / ca.ROOT_CERT).read_bytes())[2]
    return asn1_x509.Certificate.load(der)


def test_the_receipt_validates_against_the_demo_root(issued, demo_signing_keys):
    notice, data = issued
    signatures = PdfFileReader(io.BytesIO(data)).embedded_signatures
    assert len(signatures) == 1
    status = validate_pdf_signature(
        signatures[0], ValidationContext(trust_roots=[_demo_root(demo_signing_keys)])
    )
    assert status.bottom_line
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    sig = signatures[0].sig_object
    assert sig["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES baseline
    document = SignedDocument.objects.get(notice=notice)
    assert document.status == SignedDocument.Status.ISSUED
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert document.dossier_code == notice.dossier.code


def test_the_receipt_shows_a_signature_box_and_its_own_verification_link(issued):
    notice, data = issued
    document = SignedDocument.objects.get(notice=notice)
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())
    assert "ĐÃ KÝ SỐ" in text
    assert notice.dossier.agency.name in text
    assert f"/xac-thuc/{document.token}/" in text
    # The signature's widget covers the drawn box: a visible signature on the first page.
    widget = PdfReader(io.BytesIO(data)).pages[0]["/Annots"][0].get_object()
    left, bottom, right, top = (float(v) for v in widget["/Rect"])
    assert right - left > 100 and top - bottom > 30


def test_the_verification_page_says_valid_for_the_issued_file(client, issued):
    notice, data = issued
    upload = io.BytesIO(data)
    upload.name = "bien-nhan.pdf"
    response = client.post(reverse("signing:verify"), {"file": upload})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-outcome="valid"' in page
    assert notice.dossier.code in page
    assert "Giấy tiếp nhận" in page or "Receipt" in page
    assert 'data-copy="match"' in page


def test_a_byte_changed_after_signing_is_reported_as_modified(client, issued):
    _notice, data = issued
    changed = bytearray(data)
    position = data.index(b"stream\n") + 20  # inside the first content stream, signed
    changed[position] = ord("x") if changed[position] != ord("x") else ord("y")
    upload = io.BytesIO(bytes(changed))
    upload.name = "sua.pdf"
    response = client.post(reverse("signing:verify"), {"file": upload})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-outcome="modified"' in page
    assert 'data-copy="differ"' in page  # the portal still finds its own copy by the QR code


def test_content_appended_after_signing_is_reported_as_modified(client, issued):
    _notice, data = issued
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    writer.root["/Lang"] = generic.TextStringObject("en")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    response = client.post(reverse("signing:api_verify"), {"file": _named(out.getvalue())})
    assert response.status_code == 200
    assert response.json()["outcome"] == "modified"


def _named(data: bytes, name: str = "tai-lieu.pdf") -> io.BytesIO:
    upload = io.BytesIO(data)
    upload.name = name
    return upload


def test_the_qr_link_shows_the_issued_document(client, issued):
    notice, _data = issued
    document = SignedDocument.objects.get(notice=notice)
    response = client.get(reverse("signing:verify_token", kwargs={"token": document.token}))
    assert response.status_code == 200
    page = response.content.decode()
    assert notice.dossier.code in page
    assert notice.dossier.agency.name in page
    assert (
        client.get(reverse("signing:verify_token", kwargs={"token": "x" * 22})).status_code == 404
    )


def test_the_json_api_reports_signer_dossier_and_copy(client, issued):
    notice, data = issued
    body = client.post(reverse("signing:api_verify"), {"file": _named(data)}).json()
    assert body["outcome"] == "valid"
    assert body["matches_issued_copy"] is True
    assert body["document"]["dossier_code"] == notice.dossier.code
    assert body["document"]["kind"] == "receipt"
    assert "Cổng dịch vụ công tỉnh" in body["signer"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"GIF89a not a pdf", "không phải là tài liệu PDF"),
        (b"%PDF-1.7\n1 0 obj garbage", "bị hỏng"),
    ],
)
def test_bad_uploads_get_a_clear_message(client, content, message):
    response = client.post(reverse("signing:verify"), {"file": _named(content)})
    assert response.status_code == 400
    assert message in response.content.decode()


def test_an_encrypted_pdf_gets_a_clear_message(client, issued):
    _notice, data = issued
    writer = PdfWriter(clone_from=io.BytesIO(data))
    writer.encrypt("mat-khau")
    out = io.BytesIO()
    writer.write(out)
    response = client.post(reverse("signing:verify"), {"file": _named(out.getvalue())})
    assert response.status_code == 400
    assert "mật khẩu" in response.content.decode()


def test_an_empty_missing_or_huge_upload_gets_a_clear_message(client, settings):
    assert client.post(reverse("signing:verify"), {}).status_code == 400
    settings.SIGNING_VERIFY_MAX_BYTES = 1024 * 1024
    response = client.post(reverse("signing:verify"), {"file": _named(b"%PDF-" + b"0" * 2**21)})
    assert response.status_code == 400
    assert "lớn hơn 1 MB" in response.content.decode()
    api = client.post(reverse("signing:api_verify"), {"file": _named(b"")})
    assert api.status_code == 400
    assert api.json()["errors"]


def test_an_unsigned_pdf_is_reported_as_not_signed(client, issued):
    notice, _data = issued
    document = SignedDocument.objects.get(notice=notice)
    unsigned = notices.layout(notice).write_pdf()
    body = client.post(reverse("signing:api_verify"), {"file": _named(unsigned)}).json()
    assert body["outcome"] == "invalid"
    assert document.sha256 != hashlib.sha256(unsigned).hexdigest()


def test_a_signature_from_an_unknown_authority_is_not_trusted(client, issued, settings, tmp_path):
    notice, _data = issued
    ca.issue_agency_certificate(
        tmp_path, agency_code="portal", agency_name="Cơ quan giả mạo", province="Không rõ"
    )
    settings.SIGNING_KEYS_DIR = tmp_path
    forged = notices.render_pdf(notice)  # signed with the stranger's key
    settings.SIGNING_KEYS_DIR = tmp_path / "elsewhere"  # verify against the real roots only
    body = client.post(reverse("signing:api_verify"), {"file": _named(forged)}).json()
    assert body["outcome"] in {"untrusted", "invalid"}
    assert body["outcome"] != "valid"


def test_a_notice_that_cannot_be_signed_is_not_issued_and_staff_see_why(
    settings, tmp_path, django_capture_on_commit_callbacks, demo_signing_keys
):
    settings.SIGNING_KEYS_DIR = tmp_path  # no key at all
    dossier = DossierFactory(received=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.dossier_accept(dossier_id=dossier.pk, officer=desk_officer_for(dossier))
    notice = Notice.objects.get(dossier=dossier, kind=Notice.Kind.RECEIPT)
    assert notice.status == Notice.Status.FAILED
    assert not notice.file
    assert "ký số" in notice.error and dossier.agency.name in notice.error
    assert not SignedDocument.objects.filter(
        notice=notice, status=SignedDocument.Status.ISSUED
    ).exists()

    settings.SIGNING_KEYS_DIR = demo_signing_keys  # the key is installed: the sweep issues it
    assert notices.render(notice.pk).status == Notice.Status.READY


def test_signing_works_inside_a_running_event_loop(issued):
    # pyHanko runs its own loop; an ASGI server or a browser-driving test already runs one.
    notice, _data = issued
    key = keys.key_for(notice.dossier.agency)
    unsigned = notices.layout(notice).write_pdf()

    async def inside_a_loop():
        return pdf.sign_pdf(unsigned, key=key, reason="Thử")

    signed = asyncio.run(inside_a_loop())
    assert len(PdfFileReader(io.BytesIO(signed)).embedded_signatures) == 1
