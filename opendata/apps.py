from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpenDataConfig(AppConfig):
    name = "opendata"
    verbose_name = _("Open data and public API")

    def ready(self) -> None:
        from . import answers  # noqa: F401  (connects the catalogue-change signals)
