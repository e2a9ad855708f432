from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("Personal document store")

    def ready(self) -> None:
        from dossiers.files import file_holders

        from .selectors import file_is_held

        # A file shared between a dossier and the store stays while either still names it.
        if file_is_held not in file_holders:
            file_holders.append(file_is_held)
