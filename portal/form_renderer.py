"""How ``{{ form }}`` looks everywhere in the portal.

Set ``FORM_RENDERER = "portal.form_renderer.PortalFormRenderer"`` in the settings. Forms and
fields then use ``templates/forms/portal_form.html`` and ``templates/forms/portal_field.html``:
an error summary at the top, a label with an "optional" hint, help text, the errors, and the
widget (Django adds ``aria-describedby`` and ``aria-invalid`` to it).
"""

from typing import Any

from django.forms.renderers import DjangoTemplates, TemplatesSetting
from django.template import TemplateDoesNotExist


class PortalFormRenderer(TemplatesSetting):
    """Project templates first (so they can override any form template), Django's built-ins next.

    ``TemplatesSetting`` alone finds Django's widget templates only when ``django.forms`` is in
    ``INSTALLED_APPS``; falling back to the built-in renderer makes that unnecessary.
    """

    form_template_name = "forms/portal_form.html"
    field_template_name = "forms/portal_field.html"

    _builtin = DjangoTemplates()

    def get_template(self, template_name: str) -> Any:
        try:
            return super().get_template(template_name)
        except TemplateDoesNotExist:
            return self._builtin.get_template(template_name)
