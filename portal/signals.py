"""Signal receivers of the portal app."""

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import post_migrate
from django.dispatch import receiver

from .roles import Role

# What provincial IT staff manage in the admin: everything in these apps...
IT_ADMIN_FULL_APPS = [
    "portal",
    "procedures",
    "eforms",
    "reporting",
    "opendata",
    "privacy",  # citizens' correction requests, answered here
    "bookings",  # places per desk slot
    "axes",
    "otp_totp",
    "otp_static",
]
# ...and may look at (but not change) in these.
IT_ADMIN_VIEW_APPS = ["dossiers", "payments", "feedback", "auth", "audit", "signing"]


@receiver(post_migrate)
def grant_it_admin_permissions(
    sender: AppConfig,
    using: str = DEFAULT_DB_ALIAS,
    apps: Apps = global_apps,
    **kwargs: object,
) -> None:
    """Keep the IT admin group's permissions in step with the models (idempotent).

    Runs after each app's migrations, because permissions appear app by app. The portal app
    comes first, so this receiver runs before django.contrib.auth's: it creates the app's
    permissions itself, or those of the last app (reporting) would be missing from the group
    after the first `migrate` of a new database.
    """
    create_permissions(sender, verbosity=0, using=using, apps=apps)
    group, _created = Group.objects.get_or_create(name=Role.IT_ADMIN.value)
    for role in Role:
        Group.objects.get_or_create(name=role.value)
    permissions = Permission.objects.filter(
        content_type__app_label__in=IT_ADMIN_FULL_APPS
    ) | Permission.objects.filter(
        content_type__app_label__in=IT_ADMIN_VIEW_APPS, codename__startswith="view_"
    )
    group.permissions.add(*permissions)
