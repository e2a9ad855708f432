"""Forms of the processing pages and of the hand-over of results. They only read input."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from portal.models import User

from .forms_desk import DeskForm


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by content by the service."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, list | tuple):
            files = [single(item, initial) for item in data if item]
        else:
            files = [single(data, initial)] if data else []
        if self.required and not files:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return files

    def validate(self, value: Any) -> None:
        pass  # `clean` checked each file and the presence of at least one


class SpecialistChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.full_name or obj.username)


class AssignForm(DeskForm):
    assignee = SpecialistChoiceField(
        label=_("Specialist"), queryset=User.objects.none(), empty_label=_("Choose…")
    )

    def __init__(self, data: Any = None, *, specialists: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(data, prefix="assign", **kwargs)
        self.fields["assignee"].queryset = specialists  # type: ignore[attr-defined]


class ResultForm(DeskForm):
    result_text = forms.CharField(
        label=_("Result"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What is issued: the document, its number and date."),
    )
    result_files = MultipleFileField(
        label=_("Result files"),
        error_messages={"required": _("Attach the result file (the signed document, scanned).")},
        help_text=_("The signed result, scanned: PDF, JPEG or PNG."),
    )

    def __init__(self, data: Any = None, files: Any = None, **kwargs: Any) -> None:
        super().__init__(data, files, prefix="result", **kwargs)


class RefusalProposalForm(DeskForm):
    reasons = forms.CharField(
        label=_("Reasons for returning the dossier"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The applicant reads these reasons once a leader approves."),
    )

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        super().__init__(data, prefix="refusal", **kwargs)


class StopForm(DeskForm):
    reason = forms.CharField(
        label=_("Reasons for stopping the processing"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Printed on the notice of stopping processing the applicant receives."),
    )

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        super().__init__(data, prefix="stop", **kwargs)


class DecisionForm(DeskForm):
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when sending the proposal back: what should be changed."),
    )

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        super().__init__(data, prefix="decision", **kwargs)


class PostForm(DeskForm):
    tracking_number = forms.CharField(label=_("Postal tracking number"), max_length=40)
    carrier = forms.CharField(
        label=_("Postal carrier"), max_length=100, initial="Bưu điện Việt Nam (VNPost)"
    )
    posted_on = forms.DateField(
        label=_("Posting date"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        super().__init__(data, prefix="post", **kwargs)


class CollectForm(DeskForm):
    collector_name = forms.CharField(label=_("Collected by"), max_length=150)
    collector_id_number = forms.CharField(
        label=_("ID document number"),
        max_length=20,
        help_text=_("CCCD, passport or the authorisation of the person collecting."),
    )
    id_check_note = forms.CharField(
        label=_("Identity check"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("E.g. CCCD original checked; collecting with a written authorisation."),
    )

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        super().__init__(data, prefix="collect", **kwargs)
