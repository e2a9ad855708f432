#!/usr/bin/env python
"""Time the receipts as the worker makes them: rendered (WeasyPrint), then signed (pyHanko).

    createdb dvc_receipt_bench  # a bench database (its name contains "bench")
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dvc_receipt_bench \\
        .venv/bin/python bench/receipt_pdf.py [--renders 30] [--warm-up 3] [--check]

Two documents, each made as its worker task makes it, in one warm process (fonts, stylesheet
and signing key loaded by the warm-up renders, as in a worker that has issued one already):

- the receipt and appointment slip (Mẫu 01, `dossiers.notices.render_pdf`) of a dossier with
  two documents and a fee, accepted at the desk;
- the fee receipt (`signing.issuing.issue` of a paid payment: rendered, signed, stored).

For each, the median over --renders of: render (layout + PDF), sign (pyHanko, B-B: a throwaway
demo CA in a temporary key folder, no timestamp server), and the whole of it as the worker
does it (records and storage included). Both wall time and CPU time of this process
(`time.process_time()`, every thread): on a shared machine the wall time also holds what
other processes took from it, the CPU time is this work alone.

Target: < 300 ms rendered + signed. With --check the exit status is 1 when the median CPU time
of the whole (rendered + signed) of either document is above it.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

TARGET_MS = 300.0


class Clock:
    """Wall and CPU milliseconds of the blocks timed under one name."""

    def __init__(self) -> None:
        self.wall: dict[str, list[float]] = {}
        self.cpu: dict[str, list[float]] = {}

    def time(self, name: str, work: Callable[[], Any]) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        result = work()
        self.wall.setdefault(name, []).append((time.perf_counter() - wall) * 1000)
        self.cpu.setdefault(name, []).append((time.process_time() - cpu) * 1000)
        return result

    def line(self, name: str) -> str:
        wall, cpu = self.wall[name], self.cpu[name]
        return (
            f"wall median {statistics.median(wall):6.0f} ms (min {min(wall):4.0f}) · "
            f"CPU median {statistics.median(cpu):6.0f} ms (min {min(cpu):4.0f})"
        )


def _receipt_notice() -> tuple[Any, tuple[float, float]]:
    """A dossier of two documents and a fee, paid and accepted at the desk: its Mẫu 01 (not
    rendered yet: the bench runs in one transaction, whose on-commit tasks never run), and the
    wall and CPU milliseconds of its first render (the process's first receipt: cold)."""
    from dossiers import notices, services
    from dossiers.models import Attachment, Notice
    from dossiers.tests.factories import DossierFactory, desk_officer_for, pdf_upload
    from payments.services import payment_record_desk
    from procedures import services as procedure_services
    from procedures.models import RequiredDocument
    from procedures.tests.factories import (
        FeeItemFactory,
        ProcedureFactory,
        RequiredDocumentFactory,
    )
    from tests.factories import AgencyFactory

    # A bench database may hold generated procedures numbered like the factory's (9.000000…):
    # start the factory's numbers past them.
    ProcedureFactory.reset_sequence(900_000)
    agency = AgencyFactory(name="Sở Tư pháp tỉnh Phú Yên", hotline="0257.3800.101")
    procedure = ProcedureFactory(
        agency=agency,
        level4=True,
        name="Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam",
        code="2.000488",
    )
    RequiredDocumentFactory(procedure=procedure, name="Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp")
    RequiredDocumentFactory(
        procedure=procedure,
        name="Bản chụp giấy tờ tùy thân",
        form=RequiredDocument.Form.COPY,
        copies=2,
    )
    FeeItemFactory(
        procedure=procedure, name="Phí cung cấp thông tin lý lịch tư pháp", amount=200000
    )
    procedure_services.procedure_publish(procedure=procedure, actor=None)
    procedure.refresh_from_db()
    dossier = DossierFactory(
        procedure=procedure,
        received=True,
        applicant_name="Nguyễn Thị Hồng Nhung",
        applicant_national_id="054190001234",
        applicant_address="Số 5 Trần Hưng Đạo, phường 1, TP. Tuy Hòa",
    )
    first = procedure.current_version.data["documents"][0]
    Attachment.objects.create(
        dossier=dossier,
        document_id=first["id"],
        document_name=first["name"],
        file=pdf_upload(),
        original_name="to-khai.pdf",
        content_type="application/pdf",
        size=10,
        sha256="0" * 64,
    )
    officer = desk_officer_for(dossier)
    payment_record_desk(dossier_id=dossier.pk, officer=officer, method="cash")
    services.dossier_accept(dossier_id=dossier.pk, officer=officer)
    notice = Notice.objects.get(dossier=dossier, kind=Notice.Kind.RECEIPT)
    wall, cpu = time.perf_counter(), time.process_time()
    rendered = notices.render(notice.pk)
    cold = (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000
    assert rendered is not None and rendered.status == Notice.Status.READY, rendered.error
    return rendered, cold


def _bench_notice(clock: Clock, notice: Any, renders: int, warm_up: int) -> None:
    from dossiers import notices
    from dossiers.models import Notice
    from signing import pdf
    from signing import services as signing

    document, key, _extra = signing.notice_signature_context(notice)

    def render_and_sign(prefix: str) -> None:
        extra = signing.signature_context(document, key)
        rendered = clock.time(f"{prefix}layout", lambda: notices.layout(notice, extra))
        data = clock.time(f"{prefix}pdf", rendered.write_pdf)
        box = pdf.find_box(rendered, signing.SIGNATURE_BOX_ID)
        clock.time(
            f"{prefix}sign",
            lambda: pdf.sign_pdf(data, key=key, reason=notice.get_kind_display(), box=box),
        )

    def worker() -> None:
        # The task's own call, on a notice made pending again: rendered, signed, stored.
        Notice.objects.filter(pk=notice.pk).update(status=Notice.Status.PENDING)
        rendered = notices.render(notice.pk)
        assert rendered is not None and rendered.status == Notice.Status.READY, rendered.error

    for _ in range(warm_up):
        render_and_sign("warm ")
        worker()
    for _ in range(renders):
        clock.time("notice render+sign", lambda: render_and_sign("notice "))
        clock.time("notice worker", worker)


def _bench_fee_receipt(clock: Clock, renders: int, warm_up: int) -> None:
    from payments import receipts
    from payments.models import Payment
    from payments.tests.factories import PaymentFactory
    from signing import issuing, keys, pdf
    from signing import services as signing
    from signing.models import SignedDocument

    payment = PaymentFactory(
        state=Payment.State.PAID,
        paid_at=datetime.now(UTC),
        receipt_number=f"BENCH-{time.time_ns() % 10**12}",
        method=Payment.Method.CASH,
    )

    def record(name: str) -> SignedDocument:
        return SignedDocument.objects.create(
            kind=SignedDocument.Kind.FEE_RECEIPT,
            payment=payment,
            variant=name,
            dossier=payment.dossier,
            dossier_code=payment.dossier.code or "",
            agency=payment.agency,
        )

    probe = record("bench-parts")
    key = keys.key_for(payment.agency)

    def render_and_sign(prefix: str) -> None:
        extra = signing.signature_context(probe, key)
        rendered = clock.time(f"{prefix}layout", lambda: receipts.layout(payment, extra))
        data = clock.time(f"{prefix}pdf", rendered.write_pdf)
        box = pdf.find_box(rendered, signing.SIGNATURE_BOX_ID)
        clock.time(
            f"{prefix}sign", lambda: pdf.sign_pdf(data, key=key, reason=receipts.TITLE, box=box)
        )

    def issue(name: str) -> None:
        document = record(name)
        issued = issuing.issue(document.pk)
        assert issued is not None and issued.status == SignedDocument.Status.ISSUED, issued.error

    for n in range(warm_up):
        render_and_sign("warm ")
        issue(f"bench-warm-{n}")
    for n in range(renders):
        clock.time("fee render+sign", lambda: render_and_sign("fee "))
        clock.time("fee worker", lambda n=n: issue(f"bench-{n}"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--renders", type=int, default=30, help="timed renders per document")
    parser.add_argument("--warm-up", type=int, default=3, help="untimed renders first")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when a median CPU time is above the target"
    )
    parser.add_argument("--profile", metavar="FILE", help="write a cProfile of the timed renders")
    args = parser.parse_args()

    # Keys and the stored PDFs in a throwaway folder; the rows in a transaction rolled back.
    work = Path(tempfile.mkdtemp(prefix="receipt-bench-"))
    os.environ["SIGNING_KEYS_DIR"] = str(work / "keys")
    os.environ["SIGNING_DEFAULT_KEY"] = "portal"
    os.environ["SIGNING_TSA_URL"] = ""
    os.environ["MEDIA_ROOT"] = str(work / "media")
    os.environ["PRIVATE_MEDIA_ROOT"] = str(work / "private")
    os.environ["MEDIA_STORAGE_BUCKET"] = ""
    os.environ["PRIVATE_STORAGE_BUCKET"] = ""

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    if "bench" not in connection.settings_dict["NAME"]:
        raise SystemExit("Refusing: the database name must contain 'bench'.")
    call_command("migrate", verbosity=0)

    from signing import ca

    ca.issue_agency_certificate(
        work / "keys",
        agency_code="portal",
        agency_name="Cổng dịch vụ công tỉnh",
        province="Phú Yên",
    )
    clock = Clock()
    profiler = cProfile.Profile() if args.profile else None
    try:
        with transaction.atomic():
            notice, cold = _receipt_notice()
            if profiler is not None:
                profiler.enable()
            _bench_notice(clock, notice, args.renders, args.warm_up)
            _bench_fee_receipt(clock, args.renders, args.warm_up)
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(args.profile)
            transaction.set_rollback(True)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    load = os.getloadavg()[0]
    print(f"{args.renders} renders per document after {args.warm_up} warm-up; load {load:.1f}")
    print(f"first Mẫu 01 receipt, cold process: wall {cold[0]:.0f} ms · CPU {cold[1]:.0f} ms")
    rows = [
        ("Mẫu 01 receipt: layout", "notice layout"),
        ("Mẫu 01 receipt: PDF", "notice pdf"),
        ("Mẫu 01 receipt: sign", "notice sign"),
        ("Mẫu 01 receipt: rendered + signed", "notice render+sign"),
        ("Mẫu 01 receipt: as the worker", "notice worker"),
        ("fee receipt: layout", "fee layout"),
        ("fee receipt: PDF", "fee pdf"),
        ("fee receipt: sign", "fee sign"),
        ("fee receipt: rendered + signed", "fee render+sign"),
        ("fee receipt: as the worker", "fee worker"),
    ]
    width = max(len(label) for label, _name in rows)
    for label, name in rows:
        print(f"{label:<{width}}  {clock.line(name)}")
    over = [
        name
        for name in ("notice render+sign", "fee render+sign")
        if statistics.median(clock.cpu[name]) > TARGET_MS
    ]
    print(f"target: < {TARGET_MS:.0f} ms rendered + signed (median CPU time)")
    if args.check and over:
        print(f"above the target: {', '.join(over)}", file=sys.stderr)
        raise SystemExit(1)


if __name__ == "__main__":
    main()
