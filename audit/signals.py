"""Acts done in the admin (calendar overrides, staff roles) appended to the audit record."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from simple_history.models import HistoricalRecords
from simple_history.signals import post_create_historical_record

from portal.models import CalendarOverride, User

from . import services

_HISTORY_ACTS = {"+": "created", "~": "changed", "-": "deleted"}
# The user fields that decide what a staff account may do.
_ROLE_FIELDS = ("is_active", "is_staff", "is_superuser", "agency_id", "department_id")


def _request_user() -> User | None:
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    return user if isinstance(user, User) else None


def _request_ip() -> str | None:
    request = getattr(HistoricalRecords.context, "request", None)
    return request.META.get("REMOTE_ADDR") if request is not None else None


@receiver(post_create_historical_record)
def record_admin_change(sender: Any, instance: Any, history_instance: Any, **kwargs: Any) -> None:
    act = _HISTORY_ACTS.get(history_instance.history_type, "changed")
    actor = history_instance.history_user or _request_user()
    if isinstance(instance, CalendarOverride):
        services.record(
            kind=f"calendar.override_{act}",
            actor=actor,
            target=f"calendar:{instance.date.isoformat()}",
            ip=_request_ip(),
            data={
                "date": instance.date.isoformat(),
                "kind": instance.kind,
                "description": instance.description,
            },
        )
    elif isinstance(instance, User):
        previous = history_instance.prev_record if act == "changed" else None
        changes = {
            field: getattr(instance, field)
            for field in _ROLE_FIELDS
            if previous is None or getattr(previous, field) != getattr(instance, field)
        }
        if act == "changed" and not changes:
            return
        services.record(
            kind=f"role.account_{act}",
            actor=actor,
            target=f"user:{instance.pk}",
            ip=_request_ip(),
            data={"username": instance.username, **changes},
        )


@receiver(m2m_changed, sender=User.groups.through)
def record_role_change(
    sender: Any, instance: Any, action: str, pk_set: set[int] | None, **kwargs: Any
) -> None:
    if action not in ("post_add", "post_remove", "post_clear") or not isinstance(instance, User):
        return
    names = sorted(Group.objects.filter(pk__in=pk_set or ()).values_list("name", flat=True))
    if action != "post_clear" and not names:
        return
    services.record(
        kind={"post_add": "role.granted", "post_remove": "role.revoked"}.get(
            action, "role.cleared"
        ),
        actor=_request_user(),
        target=f"user:{instance.pk}",
        ip=_request_ip(),
        data={"username": instance.username, "roles": names},
    )
