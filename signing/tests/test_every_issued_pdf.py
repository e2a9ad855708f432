"""Every kind of PDF the portal issues validates with the `pyhanko sign validate` CLI against
the demo root, and a byte changed after signing is reported as modified on /xac-thuc/."""

import io
import shutil
import subprocess
from datetime import date
from functools import partial
from pathlib import Path

import pytest
from django.urls import reverse

from dossiers import notices, processing
from dossiers.models import Dossier, Notice
from dossiers.tests.factories import (
    DossierFactory,
    desk_officer_for,
    forwarded_dossier,
    leader_for,
    pdf_upload,
    specialist_for,
)
from payments import services as payments
from payments.tests.factories import fee_dossier
from portal.roles import Role
from procedures.models import ReturnMethod
from reporting import services as reports
from reporting.figures import Scope
from reporting.periods import Period
from signing import ca
from signing.models import SignedDocument
from tests.factories import staff_user

pytestmark = pytest.mark.django_db

PYHANKO = shutil.which("pyhanko") or str(Path(__file__).parents[2] / ".venv" / "bin" / "pyhanko")


def _notice(kind, capture) -> bytes:
    dossier = DossierFactory(processing=True)
    notice = Notice.objects.create(dossier=dossier, kind=kind)
    rendered = notices.render(notice.pk)
    assert rendered is not None and rendered.status == Notice.Status.READY, rendered.error
    with rendered.file.open("rb") as handle:
        return handle.read()


def _stored(document: SignedDocument) -> bytes:
    document.refresh_from_db()
    assert document.status == "issued", document.error
    with document.file.open("rb") as handle:
        return handle.read()


def _fee_receipt(capture) -> bytes:
    dossier = fee_dossier()
    with capture(execute=True):
        payment = payments.payment_record_desk(
            dossier_id=dossier.pk, officer=desk_officer_for(dossier), method="cash"
        )
    return _stored(SignedDocument.objects.get(payment=payment))


def _result(capture) -> bytes:
    dossier = forwarded_dossier(return_method=ReturnMethod.ONLINE)
    specialist = specialist_for(dossier)
    Dossier.objects.filter(pk=dossier.pk).update(assignee=specialist)
    proposal = processing.dossier_propose_result(
        dossier_id=dossier.pk, actor=specialist, result_text="Quyết định", files=[pdf_upload()]
    )
    with capture(execute=True):
        processing.proposal_approve(
            dossier_id=dossier.pk, proposal_id=proposal.pk, leader=leader_for(dossier)
        )
    return _stored(SignedDocument.objects.get(attachment=proposal.result_files.get()))


def _report(capture) -> bytes:
    report = reports.report_request(
        period=Period(date(2025, 12, 15), date(2026, 6, 14), "6 tháng đầu năm 2026"),
        scope=Scope(),
        actor=staff_user(Role.IT_ADMIN),
    )
    with capture(execute=True):
        reports.report_generate(report_id=report.pk)
    return _stored(SignedDocument.objects.get(report=report))


KINDS = {
    **{kind.value: partial(_notice, kind) for kind in Notice.Kind},
    "fee_receipt": _fee_receipt,
    "result": _result,
    "report": _report,
}


def test_the_table_covers_every_kind_of_signed_document():
    assert set(KINDS) == set(SignedDocument.Kind.values)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_issued_pdf_validates_with_the_pyhanko_cli_and_a_changed_byte_is_modified(
    kind, client, tmp_path, django_capture_on_commit_callbacks, demo_signing_keys
):
    data = KINDS[kind](django_capture_on_commit_callbacks)
    path = tmp_path / f"{kind}.pdf"
    path.write_bytes(data)
    result = subprocess.run(
        [
            PYHANKO,
            "sign",
            "validate",
            "--trust",
            str(demo_signing_keys / ca.ROOT_CERT),
            "--trust-replace",
            "--pretty-print",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "The signature is judged VALID" in result.stdout, result.stdout

    # One byte of the signed part changed (inside the binary comment after the header, so
    # the file still reads as a PDF): the public page says the document was modified.
    changed = bytearray(data)
    position = data.index(b"\n%", 4) + 3
    changed[position] ^= 0x01
    upload = io.BytesIO(bytes(changed))
    upload.name = f"{kind}.pdf"
    response = client.post(reverse("signing:verify"), {"file": upload})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-outcome="modified"' in page, page[-3000:]
    assert 'data-copy="differ"' in page or kind == "result"
