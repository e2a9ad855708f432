"""Every write of the portal app: accounts and organisation."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from .models import Agency, Department, User
from .roles import Role

# A sign-up sent twice (a double click, a resend after a slow answer) within this time finds
# the account the first one created.
REPEATED_SIGN_UP_WINDOW = timedelta(minutes=10)


class AccountExistsError(Exception):
    """The national ID, mobile number or e-mail was taken by another account meanwhile."""


@transaction.atomic
def citizen_register(
    *, full_name: str, national_id: str, password: str, email: str = "", phone: str = ""
) -> User:
    """Create a citizen account. The national ID number doubles as the username.

    The same sign-up arriving twice at once (both pass the form's checks, one insert wins)
    returns the account to both; any other clash raises AccountExistsError.
    """
    user = User(
        username=national_id,
        full_name=full_name.strip(),
        national_id=national_id,
        email=email,
        phone=phone,
    )
    user.set_password(password)
    try:
        user.full_clean(exclude=["password"])
        with transaction.atomic():
            user.save()
    except (ValidationError, IntegrityError) as error:
        earlier = _same_sign_up(user=user, password=password)
        if earlier is not None:
            return earlier
        if isinstance(error, IntegrityError):
            raise AccountExistsError from error
        raise
    return user


def _same_sign_up(*, user: User, password: str) -> User | None:
    """The account just created from the very same details, password included, if any."""
    earlier = User.objects.filter(
        national_id=user.national_id,
        date_joined__gte=timezone.now() - REPEATED_SIGN_UP_WINDOW,
    ).first()
    same = earlier is not None and (earlier.full_name, earlier.email, earlier.phone) == (
        user.full_name,
        user.email,
        user.phone,
    )
    if earlier is None or not same or not earlier.check_password(password):
        return None
    return earlier


@transaction.atomic
def user_update_profile(*, user: User, actor: User, **fields: str) -> User:
    """Change a person's own contact details; the history table records who changed what."""
    allowed = {"full_name", "email", "phone", "address"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"Fields not editable here: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(user, name, value)
    user._history_user = actor  # type: ignore[attr-defined]
    user.full_clean(exclude=["password"])
    user.save(update_fields=[*fields])
    return user


@transaction.atomic
def staff_create(
    *,
    username: str,
    full_name: str,
    email: str,
    password: str,
    agency: Agency | None,
    department: Department | None = None,
    roles: list[Role],
    phone: str = "",
) -> User:
    """Create a staff account of an agency with the given roles."""
    if department is not None and agency is not None and department.agency_id != agency.pk:
        raise ValueError("The department must belong to the agency.")
    user = User(
        username=username,
        full_name=full_name,
        email=email,
        phone=phone,
        agency=agency,
        department=department,
        is_staff=Role.IT_ADMIN in roles,
    )
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    user.groups.set(Group.objects.filter(name__in=[role.value for role in roles]))
    return user


AGENCY_LEVELS = {
    "tinh": Agency.Level.PROVINCE,
    "huyen": Agency.Level.DISTRICT,
    "xa": Agency.Level.COMMUNE,
}
ONE_STOP_DESK_MARKERS = ("một cửa", "tiếp nhận và trả kết quả")


def _apply_changes(instance: models.Model, values: dict[str, object]) -> bool:
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, values[name])
    return bool(changed)


@transaction.atomic
def organisation_import(*, agencies: list[dict]) -> dict[str, int]:
    """Create or update agencies and their departments from catalogue data (by code).

    Idempotent: a second run with the same data writes nothing (and so adds no history).
    Every agency gets a one-stop desk: the one in the data, or one created for it.
    """
    counts = {
        "agencies_created": 0,
        "agencies_updated": 0,
        "departments_created": 0,
        "departments_updated": 0,
    }
    by_code: dict[str, Agency] = {}
    # Parents first: the data lists them before their children, but do not rely on it.
    pending = list(agencies)
    while pending:
        progressed = False
        for item in list(pending):
            parent_code = item.get("parent_code")
            if parent_code and parent_code not in by_code:
                parent = Agency.objects.filter(code=parent_code).first()
                if parent is None:
                    continue
                by_code[parent_code] = parent
            values = {
                "name": item["name"],
                "short_name": item.get("abbr", ""),
                "level": AGENCY_LEVELS.get(item["level"], item["level"]),
                "parent": by_code.get(parent_code) if parent_code else None,
                "address": item.get("address", ""),
                "hotline": item.get("hotline", ""),
                "phone": item.get("phone", item.get("hotline", "")),
                "email": item.get("email", ""),
            }
            agency = Agency.objects.filter(code=item["code"]).first()
            if agency is None:
                agency = Agency(code=item["code"], **values)
                agency.full_clean()
                agency.save()
                counts["agencies_created"] += 1
            elif _apply_changes(agency, values):
                agency.full_clean()
                agency.save()
                counts["agencies_updated"] += 1
            by_code[agency.code] = agency
            _import_departments(agency, item.get("departments", []), counts)
            pending.remove(item)
            progressed = True
        if not progressed:
            missing = sorted({item["parent_code"] for item in pending})
            raise ValueError(f"Unknown parent agency codes: {missing}")
    # Successions once every agency exists: a successor may come later in the data.
    for item in agencies:
        if "successor_code" in item:
            _import_succession(by_code[item["code"]], item, by_code, counts)
    return counts


def _import_succession(
    agency: Agency, item: dict, by_code: dict[str, Agency], counts: dict[str, int]
) -> None:
    code = item["successor_code"]
    successor = by_code.get(code) or Agency.objects.filter(code=code).first()
    if successor is None:
        raise ValueError(f"Unknown successor agency code: {code}")
    values = {
        "successor": successor,
        "succession_kind": item.get("succession_kind", "merged"),
        "succession_effective_on": date.fromisoformat(item["succession_effective_on"]),
    }
    if _apply_changes(agency, values):
        agency.full_clean()
        agency.save()
        counts["agencies_updated"] += 1


def _import_departments(agency: Agency, departments: list[dict], counts: dict[str, int]) -> None:
    items = [dict(item) for item in departments]
    for item in items:
        item["is_one_stop_desk"] = any(m in item["name"].lower() for m in ONE_STOP_DESK_MARKERS)
    if not any(item["is_one_stop_desk"] for item in items):
        items.append(
            {
                "code": f"{agency.short_name or agency.code}.BPMC",
                "name": "Bộ phận Tiếp nhận và Trả kết quả",
                "is_one_stop_desk": True,
            }
        )
    for item in items:
        values = {"name": item["name"], "is_one_stop_desk": item["is_one_stop_desk"]}
        department = Department.objects.filter(agency=agency, code=item["code"]).first()
        if department is None:
            Department.objects.create(agency=agency, code=item["code"], **values)
            counts["departments_created"] += 1
        elif _apply_changes(department, values):
            department.save()
            counts["departments_updated"] += 1
