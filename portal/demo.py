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

from . import services
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
    from procedures import catalogue_io, demo_forms
    from procedures import services as procedure_services
    from procedures.models import Procedure

    if settings.PRODUCTION:
        raise RuntimeError("Demo data with public passwords must not be loaded in production.")
    catalogue = load_catalogue()
    counts = services.organisation_import(agencies=catalogue["agencies"])
    first_load = not Procedure.objects.exists()
    if first_load:
        # Attach the demo forms before publishing, so that version 1 already offers them.
        catalogue = {
            **catalogue,
            "procedures": [{**item, "is_published": False} for item in catalogue["procedures"]],
        }
    counts |= catalogue_io.catalogue_import(data=catalogue, actor=None).as_dict()
    counts["forms_created"] = demo_forms.demo_forms_attach()
    if first_load:
        for procedure in Procedure.objects.all():
            if procedure_services.procedure_publish(procedure=procedure, actor=None):
                counts["versions_created"] += 1
    counts["users_created"] = 0
    for account in DEMO_ACCOUNTS:
        if _ensure_account(account):
            counts["users_created"] += 1
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
