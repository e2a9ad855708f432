"""Demo signing keys: a local CA and one certificate per agency (never in production)."""

from __future__ import annotations

from django.conf import settings

from portal.models import Agency

from . import ca, keys


def seed_signing_demo() -> int:
    """Issue the missing demo certificates (the portal's and each agency's); returns how many."""
    directory = keys.keys_dir()
    province = f"Tỉnh {settings.PORTAL_PLACE_NAME}"
    wanted = [(settings.SIGNING_DEFAULT_KEY, "Cổng dịch vụ công " + province.lower())]
    wanted += [(agency.code, agency.name) for agency in Agency.objects.exclude(code="")]
    created = 0
    for code, name in wanted:
        if not code or (directory / f"{code}.p12").exists():
            continue
        ca.issue_agency_certificate(
            directory, agency_code=code, agency_name=name, province=province
        )
        created += 1
    return created
