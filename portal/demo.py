"""Demo data for `make run`: the sample organisation, its procedures and one account per role.

Never for production: the passwords and authenticator secrets below are public.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import calendar_schedule, services
from .models import Agency, Department, User
from .roles import Role

CATALOGUE_FILE = Path(__file__).resolve().parent / "data" / "catalogue_sample.json"
DEMO_PASSWORD = "DemoDVC@2026"  # noqa: S105 - public on purpose, demo only


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    email: str
    role: Role | None
    agency_code: str | None = None
    department_code: str | None = None
    national_id: str = ""
    phone: str = ""

    @property
    def totp_key_hex(self) -> str:
        # Stable across machines so the README can show the authenticator secret.
        return hashlib.sha1(f"demo-totp:{self.username}".encode()).hexdigest()  # noqa: S324

    @property
    def totp_secret_base32(self) -> str:
        return base64.b32encode(bytes.fromhex(self.totp_key_hex)).decode()


DEMO_ACCOUNTS = [
    DemoAccount(
        username="054095000123",
        full_name="Nguyễn Văn An",
        email="congdan@example.com",
        phone="0905000123",
        national_id="054095000123",
        role=None,
    ),
    DemoAccount(
        username="motcua",
        full_name="Trần Thị Bình",
        email="motcua@example.phuyen.gov.vn",
        role=Role.DESK_OFFICER,
        agency_code="000.00.21.H45",
        department_code="UBTH.BPMC",
    ),
    DemoAccount(
        username="chuyenvien",
        full_name="Lê Văn Cường",
        email="chuyenvien@example.phuyen.gov.vn",
        role=Role.SPECIALIST,
        agency_code="000.00.21.H45",
        department_code="UBTH.PTP",
    ),
    DemoAccount(
        # The fee-paying, fully online household-business procedures go to this department.
        username="chuyenvienkh",
        full_name="Võ Thị Giang",
        email="chuyenvienkh@example.phuyen.gov.vn",
        role=Role.SPECIALIST,
        agency_code="000.00.21.H45",
        department_code="UBTH.PTCKH",
    ),
    DemoAccount(
        username="lanhdao",
        full_name="Phạm Thị Dung",
        email="lanhdao@example.phuyen.gov.vn",
        role=Role.LEADER,
        agency_code="000.00.21.H45",
        department_code="UBTH.PTP",
    ),
    DemoAccount(
        username="quantri",
        full_name="Hoàng Văn Em",
        email="quantri@example.phuyen.gov.vn",
        role=Role.IT_ADMIN,
        agency_code="000.00.00.H45",
        department_code="UBT.TTPVHCC",
    ),
]


def load_catalogue() -> dict:
    with CATALOGUE_FILE.open(encoding="utf-8") as handle:
        return json.load(handle)


@transaction.atomic
def seed_demo() -> dict[str, int]:
    """Load the sample organisation, catalogue and demo accounts.

    Running it again changes nothing.
    """
    # The catalogue app builds on this one, hence the late import.
    from dossiers.demo import seed_processing_demo
    from eforms.demo import seed_eforms_demo
    from feedback.demo import seed_feedback_demo
    from payments.demo import seed_payments_demo
    from procedures import catalogue_io, demo_forms
    from procedures import services as procedure_services
    from procedures.models import Procedure
    from signing.demo import seed_signing_demo

    if settings.PRODUCTION:
        raise RuntimeError("Demo data with public passwords must not be loaded in production.")
    catalogue = load_catalogue()
    counts = services.organisation_import(agencies=catalogue["agencies"])
    counts["calendar_days_loaded"] = len(calendar_schedule.calendar_schedule_load().created)
    first_load = not Procedure.objects.exists()
    if first_load:
        # Attach the demo forms before publishing, so that version 1 already offers them.
        catalogue = {
            **catalogue,
            "procedures": [{**item, "is_published": False} for item in catalogue["procedures"]],
        }
    counts |= catalogue_io.catalogue_import(data=catalogue, actor=None).as_dict()
    counts["forms_created"] = demo_forms.demo_forms_attach()
    counts["eforms_created"] = seed_eforms_demo()
    if first_load:
        for procedure in Procedure.objects.all():
            if procedure_services.procedure_publish(procedure=procedure, actor=None):
                counts["versions_created"] += 1
    counts["users_created"] = 0
    for account in DEMO_ACCOUNTS:
        if _ensure_account(account):
            counts["users_created"] += 1
    counts["signing_keys_created"] = seed_signing_demo()  # before the dossiers: notices are signed
    counts["dossiers_created"] = _ensure_demo_dossiers()
    counts["dossiers_created"] += seed_processing_demo()
    counts["feedback_created"] = seed_feedback_demo()
    counts["payments_created"] = seed_payments_demo()
    return counts


def _ensure_account(account: DemoAccount) -> bool:
    if User.objects.filter(username=account.username).exists():
        return False
    if account.role is None:
        user = services.citizen_register(
            full_name=account.full_name,
            national_id=account.national_id,
            email=account.email,
            phone=account.phone,
            password=DEMO_PASSWORD,
        )
        return True
    agency = Agency.objects.get(code=account.agency_code)
    department = Department.objects.get(agency=agency, code=account.department_code)
    user = services.staff_create(
        username=account.username,
        full_name=account.full_name,
        email=account.email,
        password=DEMO_PASSWORD,
        agency=agency,
        department=department,
        roles=[account.role],
    )
    TOTPDevice.objects.create(user=user, name="default", key=account.totp_key_hex, confirmed=True)
    return True


# --- Demo dossiers ----------------------------------------------------------------------------

DEMO_AGENCY = "000.00.21.H45"
DEMO_CITIZEN = "054095000123"


def _demo_pdf(title: str, subtitle: str = "") -> bytes:
    """A small, valid one-page PDF "scan" (Helvetica has no Vietnamese accents: plain text)."""
    import unicodedata

    def plain(text: str) -> str:
        text = text.replace("đ", "d").replace("Đ", "D")
        text = "".join(
            c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
        )
        text = text.encode("ascii", "ignore").decode()
        return text.replace("\\", "").replace("(", "[").replace(")", "]")[:90]

    lines = ["BAN SCAN MAU (DU LIEU DEMO)", plain(title), plain(subtitle)]
    content = "BT /F1 14 Tf 60 780 Td 18 TL " + " ".join(f"({line}) '" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        "/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
    ]
    out = "%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n"
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    return out.encode("ascii")


def _demo_files(procedure, applicant_name: str) -> dict[int, object]:  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    files: dict[int, object] = {}
    scanned = [
        document
        for document in procedure.current_version.data.get("documents", [])
        if document.get("form") != "present"
    ]
    required = [document for document in scanned if document.get("is_required", True)]
    # Required documents; when all of them are only shown at the desk, an optional one.
    for document in required or scanned[:1]:
        files[document["id"]] = SimpleUploadedFile(
            f"scan-{document['id']}.pdf",
            _demo_pdf(document["name"], applicant_name),
            content_type="application/pdf",
        )
    return files


def _ensure_demo_dossiers() -> int:
    """One or more dossiers in every state at the demo agency, made through the services.

    Skipped when the agency already has dossiers (a second run, or generated data).
    """
    from datetime import timedelta

    from django.utils import timezone

    from dossiers import services as dossier_services
    from dossiers.models import Dossier, DossierEvent
    from payments import demo as payments_demo
    from procedures import services as procedure_services
    from procedures.models import Procedure

    from . import workdays

    agency = Agency.objects.filter(code=DEMO_AGENCY).first()
    if agency is None or Dossier.objects.filter(agency=agency).exists():
        return 0
    citizen = User.objects.get(username=DEMO_CITIZEN)
    desk = User.objects.get(username="motcua")
    specialist = User.objects.get(username="chuyenvien")
    procedures = {p.code: p for p in Procedure.published.filter(agency=agency)}
    departments = {d.code: d for d in Department.objects.filter(agency=agency)}

    def online(code: str):  # type: ignore[no-untyped-def]
        procedure = procedures[code]
        draft = dossier_services.dossier_create_draft(procedure=procedure, applicant=citizen)
        for document_id, upload in _demo_files(procedure, citizen.full_name).items():
            dossier_services.attachment_add(
                dossier_id=draft.pk,
                actor=citizen,
                document_id=document_id,
                upload=upload,  # type: ignore[arg-type]
            )
        return dossier_services.dossier_submit(dossier_id=draft.pk, actor=citizen, declaration=True)

    def walk_in(code: str, name: str, national_id: str, phone: str):  # type: ignore[no-untyped-def]
        procedure = procedures[code]
        return dossier_services.dossier_register_walk_in(
            officer=desk,
            procedure=procedure,
            applicant=dossier_services.Applicant(
                name=name,
                national_id=national_id,
                phone=phone,
                address="Số 12 đường Lê Lợi, Phường 1, TP. Tuy Hòa",
            ),
            files=_demo_files(procedure, name),  # type: ignore[arg-type]
            originals_checked=True,
        )

    def accept(dossier, *, days_ago: int = 0):  # type: ignore[no-untyped-def]
        payments_demo.pay_at_desk(dossier=dossier, officer=desk)  # fees before processing
        dossier = dossier_services.dossier_accept(dossier_id=dossier.pk, officer=desk)
        if days_ago:
            _backdate(dossier, days_ago)
        return dossier

    def _backdate(dossier, days_ago: int) -> None:  # type: ignore[no-untyped-def]
        # Demo only: move the dates back so the queue shows late and overdue dossiers.
        accepted = workdays.next_working_moment(timezone.now() - timedelta(days=days_ago))
        due = procedure_services.due_at(
            dossier.procedure_version.data, received_at=accepted, online=dossier.is_online
        )
        Dossier.objects.filter(pk=dossier.pk).update(
            submitted_at=accepted - timedelta(hours=1),
            accepted_at=accepted,
            due_at=due,
            appointment_at=due,
            forward_due_at=workdays.add_working_hours(
                accepted, workdays.working_hours_per_day() / 2
            ),
        )
        dossier.events.update(created_at=accepted)
        dossier.refresh_from_db()

    created = 0
    # Awaiting reception: two online, one walk-in.
    online("1.001612")
    online("2.000908")
    walk_in("2.000806", "Trần Thị Mỹ Linh", "054196001234", "0905111222")
    created += 3
    # Supplement requested.
    incomplete = online("1.013225")
    documents = incomplete.procedure_version.data["documents"]
    dossier_services.dossier_request_supplement(
        dossier_id=incomplete.pk,
        officer=desk,
        document_ids=[documents[1]["id"]] if len(documents) > 1 else [],
        note="Bản vẽ thiết kế chưa có chữ ký của đơn vị thiết kế; đề nghị bổ sung.",
    )
    created += 1
    # Accepted yesterday and still at the desk: a forwarding breach.
    accept(walk_in("3.000467", "Phạm Văn Hùng", "054088004567", "0914333444"), days_ago=1)
    # Accepted and forwarded.
    forwarded = accept(online("2.000720"))
    dossier_services.dossier_forward(
        dossier_id=forwarded.pk, officer=desk, department=departments["UBTH.PTCKH"]
    )
    # Forwarded long ago and now overdue.
    overdue = accept(
        walk_in("1.001029", "Công ty TNHH Âm nhạc Biển Xanh", "054079008888", "0935666777"),
        days_ago=21,
    )
    dossier_services.dossier_forward(
        dossier_id=overdue.pk, officer=desk, department=departments["UBTH.PVHTT"]
    )
    created += 3
    # Refused with reasons; withdrawn by the citizen.
    dossier_services.dossier_refuse(
        dossier_id=online("3.000182").pk,
        officer=desk,
        reason="Hồ sơ tuyển sinh nộp ngoài thời gian tuyển sinh theo kế hoạch của Phòng GD&ĐT.",
    )
    dossier_services.dossier_withdraw(
        dossier_id=online("2.000908").pk, actor=citizen, reason="Nộp nhầm thủ tục."
    )
    created += 2
    # Result ready. The specialist's services come with the next issue; until then the
    # transition is made here the way they will make it (FSM method, saved, with its event).
    done = accept(walk_in("2.000908", "Lê Thị Thu Hà", "054190007777", "0988123456"))
    dossier_services.dossier_forward(
        dossier_id=done.pk, officer=desk, department=departments["UBTH.PTP"]
    )
    with transaction.atomic():
        done = Dossier.objects.select_for_update().get(pk=done.pk)
        done.complete(at=timezone.now(), result_text="Bản sao từ sổ gốc (02 bản).")
        done._history_user = specialist  # type: ignore[attr-defined]
        done.save()
        DossierEvent.objects.create(
            dossier=done,
            kind=DossierEvent.Kind.COMPLETED,
            actor=specialist,
            from_state=Dossier.State.PROCESSING,
            to_state=Dossier.State.DONE,
        )
    created += 1
    # A draft the citizen has not sent yet.
    dossier_services.dossier_create_draft(procedure=procedures["2.000806"], applicant=citizen)
    return created + 1
