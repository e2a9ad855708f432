"""PAdES B-LT when a timestamp server is configured (SIGNING_TSA_URL), B-B otherwise."""

import io

import pytest
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from dossiers import services
from dossiers.models import Notice
from dossiers.tests.factories import DossierFactory, desk_officer_for
from payments import services as payments
from payments.tests.factories import fee_dossier
from signing.models import SignedDocument
from signing.tests.tsa import timestamp_server

pytestmark = pytest.mark.django_db


def _roots(keys_dir):
    return [asn1_x509.Certificate.load(pem.unarmor((keys_dir / "root-ca.pem").read_bytes())[2])]


def _receipt(capture) -> bytes:
    dossier = DossierFactory(received=True)
    with capture(execute=True):
        services.dossier_accept(dossier_id=dossier.pk, officer=desk_officer_for(dossier))
    notice = Notice.objects.get(dossier=dossier, kind=Notice.Kind.RECEIPT)
    assert notice.status == Notice.Status.READY, notice.error
    with notice.file.open("rb") as handle:
        return handle.read()


def _fee_receipt(capture) -> bytes:
    dossier = fee_dossier()
    with capture(execute=True):
        payment = payments.payment_record_desk(
            dossier_id=dossier.pk, officer=desk_officer_for(dossier), method="cash"
        )
    document = SignedDocument.objects.get(payment=payment)
    assert document.status == "issued", document.error
    with document.file.open("rb") as handle:
        return handle.read()


def test_without_a_timestamp_server_the_signature_is_baseline_b(
    django_capture_on_commit_callbacks, demo_signing_keys
):
    data = _receipt(django_capture_on_commit_callbacks)
    reader = PdfFileReader(io.BytesIO(data))
    (signature,) = reader.embedded_signatures
    status = validate_pdf_signature(
        signature, ValidationContext(trust_roots=_roots(demo_signing_keys))
    )
    assert status.bottom_line
    assert status.timestamp_validity is None  # no signature timestamp: B-B
    assert "/DSS" not in reader.root


@pytest.mark.parametrize("make", [_receipt, _fee_receipt], ids=["notice", "fee_receipt"])
def test_with_a_timestamp_server_the_signature_is_baseline_lt(
    make, settings, django_capture_on_commit_callbacks, demo_signing_keys
):
    with timestamp_server(demo_signing_keys) as (url, tsa):
        settings.SIGNING_TSA_URL = url
        data = make(django_capture_on_commit_callbacks)
    assert tsa.requests >= 1
    reader = PdfFileReader(io.BytesIO(data))
    (signature,) = reader.embedded_signatures
    roots = _roots(demo_signing_keys)
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=roots))
    assert status.bottom_line
    # B-T: a signature timestamp from our TSA, valid and trusted.
    assert status.timestamp_validity is not None
    assert status.timestamp_validity.intact and status.timestamp_validity.valid
    assert status.timestamp_validity.trusted
    assert status.timestamp_validity.signing_cert.subject == tsa.cert.subject
    # B-LT: the validation data (certificates of the chain) stored in the document's DSS.
    dss = reader.root["/DSS"]
    assert len(dss["/Certs"]) >= 2


def test_an_unreachable_timestamp_server_means_the_document_is_not_issued(
    settings, django_capture_on_commit_callbacks
):
    settings.SIGNING_TSA_URL = "http://127.0.0.1:9/tsa"  # nothing listens on the discard port
    settings.SIGNING_TSA_TIMEOUT = 2
    dossier = DossierFactory(received=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.dossier_accept(dossier_id=dossier.pk, officer=desk_officer_for(dossier))
    notice = Notice.objects.get(dossier=dossier, kind=Notice.Kind.RECEIPT)
    assert notice.status == Notice.Status.FAILED and not notice.file
    assert "ký số" in notice.error
