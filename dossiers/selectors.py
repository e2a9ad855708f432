"""Reads of dossiers, always scoped to who is asking."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import InterfaceError, OperationalError, connection
from django.db.models import Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Agency, Department, User
from portal.roles import Role
from procedures.models import Procedure

from .errors import DossierError
from .models import Attachment, Dossier, Handoff, LookupNamesVersion


class DossierNotFound(DossierError):
    pass


def dossier_for_update(*, dossier_id: int) -> Dossier:
    """The dossier, locked until the end of the transaction (permissions are the caller's)."""
    dossier = (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("procedure_version", "agency")
        .filter(pk=dossier_id)
        .first()
    )
    if dossier is None:
        raise DossierNotFound(_("This dossier does not exist."))
    return dossier


def dossiers_visible_to(user: User) -> QuerySet[Dossier]:
    """What a person may see: their own dossiers; staff those of their agency."""
    if not user.is_authenticated:
        return Dossier.objects.none()
    if (
        user.is_officer
        and user.agency_id
        and (
            user.has_role(Role.DESK_OFFICER)
            or user.has_role(Role.SPECIALIST)
            or user.has_role(Role.LEADER)
        )
    ):
        return Dossier.objects.filter(Q(agency_id=user.agency_id) | _handed_to(user)).exclude(
            state=Dossier.State.DRAFT
        )
    return Dossier.objects.filter(applicant=user)


def _handed_to(user: User, field: str = "pk") -> Q:
    """Dossiers another agency handed to the user's unit (liên thông): visible to that unit."""
    if user.has_role(Role.LEADER):
        handed = Handoff.objects.filter(to_agency_id=user.agency_id)
    elif user.has_role(Role.SPECIALIST) and user.department_id:
        handed = Handoff.objects.filter(to_department_id=user.department_id)
    else:
        return Q(pk__in=[])
    return Q(**{f"{field}__in": handed.values("dossier_id")})


def dossier_by_code(code: str) -> Dossier | None:
    """For the public lookup: a submitted dossier by its exact code."""
    return (
        Dossier.objects.select_related("procedure", "agency")
        .exclude(state=Dossier.State.DRAFT)
        .filter(code=code.strip().upper())
        .first()
    )


class PublicDossierRow(NamedTuple):
    """What the public lookup reads of a dossier, as stored, and the names version."""

    code: str
    state: str
    applicant_name: str
    submitted_at: datetime | None
    appointment_at: datetime | None
    finished_at: datetime | None
    delivered_at: datetime | None
    procedure_id: int
    agency_id: int
    names_version: int | None  # public_names.py


def public_dossier_row(code: str) -> PublicDossierRow | None:
    """For the public lookup: a submitted dossier by its exact code, public columns only.

    One query, compiled by the ORM once (the lookup is the busiest page of the portal and would
    otherwise compile the same statement on every request): the dossier by its unique code and
    the one-row names version. Joining the procedure and agency for their names would cost the
    database twice as much; the names are read only when a page is rendered (public_names).
    The CCCD, phone and address are never read.
    """
    row = _fetch_one_as_health_check(_public_dossier_sql(), [code, Dossier.State.DRAFT.value])
    if row is None:
        return None
    if settings.USE_TZ and connection.vendor == "sqlite":  # SQLite gives naive UTC times
        row = tuple(
            value.replace(tzinfo=UTC)
            if isinstance(value, datetime) and timezone.is_naive(value)
            else value
            for value in row
        )
    return PublicDossierRow(*row)


def _fetch_one_as_health_check(sql: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
    """One row of a read-only query that is its own connection health check.

    With CONN_HEALTH_CHECKS Django sends "SELECT 1" before the first query of each request,
    a second round trip for a page that needs one. Here the query itself tells: if the
    persistent connection turns out to be dead it is closed and the query runs once more on
    a new one. Only outside a transaction, where running a read twice changes nothing.
    """
    if connection.in_atomic_block or connection.connection is None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    connection.health_check_done = True  # type: ignore[attr-defined]
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    except (OperationalError, InterfaceError):
        connection.close()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


@functools.cache
def _public_dossier_sql() -> str:
    """The lookup's statement as the ORM writes it; its parameters: the code, then "draft"."""
    marker = "<code>"
    query = (
        Dossier.objects.filter(code=marker)
        .exclude(state=Dossier.State.DRAFT)
        .order_by()
        .annotate(names_version=Subquery(LookupNamesVersion.objects.values("version")[:1]))
        .values_list(*PublicDossierRow._fields)
        .query
    )
    sql, params = query.sql_with_params()
    if list(params) != [marker, Dossier.State.DRAFT.value]:
        raise ImproperlyConfigured(f"Unexpected parameters of the lookup query: {params!r}")
    return sql


def public_names(*, procedure_id: int, agency_id: int) -> tuple[str, str]:
    """The names of a dossier's procedure and receiving agency, for the public lookup page."""
    procedure = Procedure.objects.filter(pk=procedure_id).values_list("name", flat=True).first()
    agency = Agency.objects.filter(pk=agency_id).values_list("name", flat=True).first()
    return procedure or "", agency or ""


def procedure_department(*, dossier: Dossier) -> Department | None:
    """The department of the dossier's agency that its procedure names, if it still exists.

    Read from the version the dossier was submitted under, then from the procedure as it is now.
    """
    named = (dossier.procedure_version.data.get("department") or {}).get("code")
    departments = Department.objects.filter(agency_id=dossier.agency_id, is_one_stop_desk=False)
    if named:
        found = departments.filter(code=named).first()
        if found is not None:
            return found
    department_id = dossier.procedure.department_id
    return departments.filter(pk=department_id).first() if department_id else None


def desk_dossier(*, user: User, dossier_id: int) -> Dossier | None:
    """A submitted dossier of the officer's own agency, with what the desk page shows."""
    if not user.is_authenticated or not user.agency_id:
        return None
    return (
        Dossier.objects.select_related(
            "procedure", "procedure_version", "agency", "department", "applicant"
        )
        .exclude(state=Dossier.State.DRAFT)
        .filter(pk=dossier_id, agency_id=user.agency_id)
        .first()
    )


def staff_attachment(*, user: User, dossier_id: int, attachment_id: int) -> Attachment | None:
    """A file of a dossier: the desk and leaders of its agency, specialists of its department."""
    staff_roles = (Role.DESK_OFFICER, Role.SPECIALIST, Role.LEADER)
    if not user.is_authenticated or not user.agency_id:
        return None
    if not any(user.has_role(role) for role in staff_roles):
        return None
    own = Q(dossier__agency_id=user.agency_id)
    if not (user.has_role(Role.DESK_OFFICER) or user.has_role(Role.LEADER)):
        # A specialist reads the dossiers of their own department only.
        if user.department_id is None:
            own = Q(pk__in=[])
        else:
            own &= Q(dossier__department_id=user.department_id)
    return (
        Attachment.objects.filter(pk=attachment_id, dossier_id=dossier_id)
        .filter(own | _handed_to(user, "dossier_id"))
        .exclude(dossier__state=Dossier.State.DRAFT)
        .first()
    )


def staff_dossier(*, user: User, dossier_id: int) -> Dossier | None:
    """A dossier for the processing pages: leaders see their agency's, specialists their
    department's; both see the dossiers handed to their unit by another agency."""
    if not user.is_authenticated or not user.agency_id:
        return None
    if user.has_role(Role.LEADER):
        own = Q(agency_id=user.agency_id)
    elif user.has_role(Role.SPECIALIST) and user.department_id:
        own = Q(agency_id=user.agency_id, department_id=user.department_id)
    else:
        return None
    return (
        Dossier.objects.filter(own | _handed_to(user))
        .exclude(state=Dossier.State.DRAFT)
        .select_related("procedure", "procedure_version", "agency", "department", "assignee")
        .filter(pk=dossier_id)
        .first()
    )
