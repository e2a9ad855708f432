"""Vietnamese names for what the IT officer sees in the admin but the portal did not write.

Django's Vietnamese catalogue lacks the strings of its newer admin ("Show counts", the skip
link) and words "Add" as "Thêm vào" ("add into"); django-axes and django-otp have
no Vietnamese at all and name some models and apps with plain, untranslatable text ("TOTP
device", "OTP_TOTP"). The strings are listed here so that the portal's own catalogue carries
them (and `makemessages` keeps them); the names are set when the apps are ready.
"""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy

# Django admin and auth strings rendered in the admin, translated in locale/vi.
DJANGO_ADMIN_STRINGS = [
    gettext_noop("Add %(name)s"),
    gettext_noop("Add"),
    gettext_noop("Models in the %(name)s application"),
    gettext_noop("Skip to main content"),
    gettext_noop("Show counts"),
    gettext_noop("Hide counts"),
    gettext_noop("Toggle navigation"),
    gettext_noop("Filter navigation items"),
    gettext_noop("Toggle theme (current theme: auto)"),
    gettext_noop("Toggle theme (current theme: light)"),
    gettext_noop("Toggle theme (current theme: dark)"),
    gettext_noop("Breadcrumbs"),
    gettext_noop("Sidebar"),
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    gettext_noop("Select this object for an action - {}"),
    gettext_noop("Select all objects on this page for an action"),
    gettext_noop("View selected %(model)s"),
    gettext_noop("Error:"),
    gettext_noop("Added:"),
    gettext_noop("Changed:"),
    gettext_noop("Deleted:"),
    gettext_noop("Are you sure?"),
    gettext_noop("Please correct the errors below."),
    gettext_noop("The {name} “{obj}” was added successfully. You may edit it again below."),
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
    gettext_noop(
        "First, enter a username and password. Then, you’ll be able to edit more user options."
    ),
    gettext_noop("Enter a username and password."),
    gettext_noop("Set password"),
    gettext_noop("Reset password"),
    gettext_noop("Password-based authentication"),
    gettext_noop("Enabled"),
    gettext_noop("Disabled"),
    gettext_noop("Password (again)"),
    gettext_noop(
        "Whether the user will be able to authenticate using a password or not. If disabled, "
        "they may still be able to authenticate using other backends, such as Single Sign-On "
        "or LDAP."
    ),
    gettext_noop("Raw passwords are not stored, so there is no way to see the user’s password."),
    gettext_noop("Enable password-based authentication for this user by setting a password."),
    gettext_noop("Disable password-based authentication"),
    gettext_noop("Enable password-based authentication"),
    gettext_noop(
        "This action will <strong>enable</strong> password-based authentication for this user."
    ),
    gettext_noop("Password-based authentication was disabled."),
    gettext_noop("Conflicting form data submitted. Please try again."),
]

APP_NAMES = {
    "axes": _("Log-in protection"),
    "otp_totp": _("One-time code devices"),
    "otp_static": _("Backup codes"),
    "two_factor": _("Two-factor log-in"),
    "auth": _("Roles and permissions"),
}

# app label, model name: verbose name, plural, {field: verbose name}
MODEL_NAMES = {
    ("axes", "accessattempt"): (
        _("failed log-in"),
        _("failed log-ins"),
        {
            "get_data": _("GET data"),
            "post_data": _("POST data"),
            "failures_since_start": _("failed log-ins"),
        },
    ),
    ("axes", "accesslog"): (
        _("log-in record"),
        _("log-in records"),
        {"logout_time": _("logged out at")},
    ),
    ("axes", "accessfailurelog"): (_("failed log-in record"), _("failed log-in records"), {}),
    ("axes", "accessattemptexpiration"): (_("lock-out expiry"), _("lock-out expiries"), {}),
    ("otp_totp", "totpdevice"): (
        _("authenticator app"),
        _("authenticator apps"),
        {
            "key": _("secret key"),
            "step": _("time step (seconds)"),
            "t0": _("start time (t0)"),
            "digits": _("digits"),
            "tolerance": _("tolerance (steps)"),
            "drift": _("clock drift (steps)"),
            "last_t": _("last time step used"),
        },
    ),
    ("otp_static", "staticdevice"): (_("backup code list"), _("backup code lists"), {}),
    ("otp_static", "statictoken"): (_("backup code"), _("backup codes"), {"token": _("code")}),
}

# Fields every device and every axes record has.
DEVICE_FIELDS = {
    "user": _("user"),
    "name": pgettext_lazy("device", "name"),
    "confirmed": _("confirmed"),
    "created_at": _("created"),
    "last_used_at": _("last used"),
    "throttling_failure_timestamp": _("last failed code at"),
    "throttling_failure_count": _("failed codes in a row"),
}
ACCESS_FIELDS = {
    "user_agent": _("browser (user agent)"),
    "ip_address": _("IP address"),
    "username": _("user name"),
    "http_accept": _("HTTP Accept header"),
    "path_info": _("address (path)"),
    "attempt_time": _("time"),
    "locked_out": _("locked out"),
}


def relabel_third_party_admin() -> None:
    for label, name in APP_NAMES.items():
        if apps.is_installed(label) or label in apps.app_configs:
            apps.get_app_config(label).verbose_name = name
    for (app_label, model_name), (singular, plural, fields) in MODEL_NAMES.items():
        try:
            model = apps.get_model(app_label, model_name)
        except LookupError:
            continue
        model._meta.verbose_name = singular
        model._meta.verbose_name_plural = plural
        common = ACCESS_FIELDS if app_label == "axes" else DEVICE_FIELDS
        for field_name, verbose in {**common, **fields}.items():
            try:
                model._meta.get_field(field_name).verbose_name = verbose
            except FieldDoesNotExist:  # a field another version does not have
                continue
