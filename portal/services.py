"""Every write of the portal app: accounts and organisation."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import transaction

from .models import Agency, Department, User
from .roles import Role


@transaction.atomic
def citizen_register(
    *, full_name: str, national_id: str, password: str, email: str = "", phone: str = ""
) -> User:
    """Create a citizen account. The national ID number doubles as the username."""
    user = User(
        username=national_id,
        full_name=full_name.strip(),
        national_id=national_id,
        email=email,
        phone=phone,
    )
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user


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
