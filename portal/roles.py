from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Staff roles. Each is a Django group of the same name (created by a data migration)."""

    DESK_OFFICER = "desk_officer", _("Desk officer")
    SPECIALIST = "specialist", _("Specialist")
    LEADER = "leader", _("Leader")
    IT_ADMIN = "it_admin", _("IT administrator")
