"""Forms of the processing pages: hand-offs, apologies. They read input; services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from portal.models import Department

from .forms_desk import DeskForm


class HandoffForm(DeskForm):
    to_department = forms.ModelChoiceField(
        label=_("Hand to (unit)"), queryset=Department.objects.none()
    )
    task = forms.CharField(
        label=_("What the unit is asked to do"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    working_days = forms.DecimalField(
        label=_("Working days allowed"),
        required=False,
        min_value=0,
        max_value=365,
        decimal_places=2,
        help_text=_("Leave empty to use the time the procedure gives that agency."),
    )

    def __init__(
        self, data: Any = None, *, departments: QuerySet[Department], **kwargs: Any
    ) -> None:
        super().__init__(data, prefix="handoff", **kwargs)
        field = self.fields["to_department"]
        field.queryset = departments  # type: ignore[attr-defined]
        field.label_from_instance = (  # type: ignore[attr-defined]
            lambda department: f"{department.agency.name} – {department.name}"
        )


class HandoffReturnForm(DeskForm):
    outcome = forms.CharField(
        label=_("What your unit did or decided"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    file = forms.FileField(label=_("Answer file (optional)"), required=False)

    def __init__(self, data: Any = None, files: Any = None, **kwargs: Any) -> None:
        super().__init__(data, files, prefix="return", **kwargs)


class ApologyForm(DeskForm):
    reason = forms.CharField(
        label=_("Reason for the delay"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The citizen reads this on the apology."),
    )
    new_date = forms.DateField(
        label=_("New appointment date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("A working day after today; the result is due by the close of office."),
    )

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        super().__init__(data, prefix="apology", **kwargs)


class SendBackForm(DeskForm):
    note = forms.CharField(
        label=_("What the department should change"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        super().__init__(data, prefix="sendback", **kwargs)
