from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EformsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "eforms"
    verbose_name = _("E-forms")
