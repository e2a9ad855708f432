from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class DossiersConfig(AppConfig):
    name = "dossiers"
    verbose_name = _("Dossiers")

    def ready(self) -> None:
        from portal.models import Agency
        from procedures.models import Procedure

        from .public_names import names_changed

        for model in (Procedure, Agency):
            for signal in (post_save, post_delete):
                signal.connect(
                    names_changed, sender=model, dispatch_uid=f"lookup-names-{model.__name__}"
                )
