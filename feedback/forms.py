"""Forms of the feedback app: they parse and validate input; services apply the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from dossiers.models import Dossier
from portal.forms import MobileField
from portal.models import Agency, Department
from procedures.models import Procedure

from . import services
from .errors import FeedbackError
from .models import Feedback


class FeedbackForm(forms.Form):
    """The public form (/phan-anh/) and, with a channel, the staff entry form."""

    name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = MobileField(
        label=_("Mobile number"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("Give a mobile number, an e-mail address or both: the answer goes there."),
    )
    agency = forms.ModelChoiceField(
        label=_("Agency"),
        queryset=Agency.objects.filter(is_active=True).order_by("name"),
        required=False,
        empty_label=_("— Choose the agency —"),
    )
    procedure = forms.CharField(
        label=_("Procedure code"),
        required=False,
        max_length=40,
        help_text=_("If your feedback is about a procedure, its code, e.g. 1.001757."),
    )
    dossier_code = forms.CharField(
        label=_("Dossier code"),
        required=False,
        max_length=40,
        help_text=_("If it is about a dossier you submitted, its code from the receipt."),
    )
    subject = forms.CharField(label=_("Subject"), max_length=services.SUBJECT_MAX)
    text = forms.CharField(
        label=_("Content"),
        max_length=services.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    attachment = forms.FileField(
        label=_("Attachment"),
        required=False,
        help_text=_("One PDF, JPEG or PNG file, at most %(limit)s MB.")
        % {"limit": settings.FEEDBACK_MAX_FILE_MB},
    )
    consent_to_publish = forms.BooleanField(
        label=_(
            "I agree that the question and its answer may be published in the public Q&A "
            "without my name or contact details."
        ),
        required=False,
    )
    # A field people never see: robots fill it in (see templates/feedback/form.html).
    website = forms.CharField(required=False, label=_("Leave this field empty"))

    def __init__(
        self,
        *args: Any,
        staff_entry: bool = False,
        dossier_code_check_refused: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.staff_entry = staff_entry
        # Too many dossier codes checked from the sender's address (the view counts them):
        # the code is not looked up, so the form cannot be used to guess codes.
        self.dossier_code_check_refused = dossier_code_check_refused
        if staff_entry:
            self.fields["channel"] = forms.ChoiceField(
                label=_("Received by"),
                choices=[c for c in Feedback.Channel.choices if c[0] != Feedback.Channel.ONLINE],
            )
            del self.fields["agency"]
            del self.fields["website"]
            self.order_fields(["channel"])
        self.fields["attachment"].widget.attrs["accept"] = ".pdf,.jpg,.jpeg,.png"

    def clean_procedure(self) -> Procedure | None:
        code = (self.cleaned_data.get("procedure") or "").strip()
        if not code:
            return None
        procedure = Procedure.published.select_related("agency", "sector").filter(code=code)
        found = procedure.first()
        if found is None:
            raise forms.ValidationError(_("No published procedure has this code."))
        return found

    def clean_dossier_code(self) -> Dossier | None:
        code = (self.cleaned_data.get("dossier_code") or "").strip().upper()
        if not code:
            return None
        if self.dossier_code_check_refused:
            raise forms.ValidationError(
                _(
                    "Too many dossier codes were checked from your network. Please try again "
                    "in a minute, or leave the code empty and name the dossier in the content."
                ),
                code="throttled",
            )
        dossier = Dossier.objects.filter(code=code).exclude(state=Dossier.State.DRAFT).first()
        if dossier is None:
            raise forms.ValidationError(
                _("No dossier has this code. Check it on your receipt, or leave it empty.")
            )
        return dossier

    def clean_attachment(self) -> Any:
        upload = self.cleaned_data.get("attachment")
        if upload:
            try:
                services.check_attachment(upload)
            except FeedbackError as err:
                raise forms.ValidationError(err.message) from None
        return upload

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            "phone" not in self.errors
            and "email" not in self.errors
            and not cleaned.get("phone")
            and not cleaned.get("email")
        ):
            self.add_error(
                "phone", _("Give a mobile number or an e-mail address so that we can answer.")
            )
        if (
            not self.staff_entry
            and "procedure" not in self.errors
            and not cleaned.get("agency")
            and not cleaned.get("procedure")
        ):
            self.add_error("agency", _("Choose the agency or give the procedure code."))
        return cleaned

    @property
    def is_spam(self) -> bool:
        return bool(self.data.get("website"))

    def to_input(self) -> services.FeedbackInput:
        data = self.cleaned_data
        return services.FeedbackInput(
            name=data["name"],
            phone=data.get("phone") or "",
            email=data.get("email") or "",
            agency=data.get("agency"),
            procedure=data.get("procedure"),
            dossier=data.get("dossier_code"),
            subject=data["subject"],
            text=data["text"],
            attachment=data.get("attachment") or None,
            consent_to_publish=bool(data.get("consent_to_publish")),
        )


class AssignForm(forms.Form):
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none())

    def __init__(self, *args: Any, agency_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(  # type: ignore[attr-defined]
            agency_id=agency_id, is_active=True
        ).order_by("name")


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer"),
        max_length=services.ANSWER_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
    )


class TransferForm(forms.Form):
    agency = forms.ModelChoiceField(label=_("Competent agency"), queryset=Agency.objects.none())
    reason = forms.CharField(
        label=_("Why it belongs there"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, agency_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = (  # type: ignore[attr-defined]
            Agency.objects.filter(is_active=True).exclude(pk=agency_id).order_by("name")
        )


class PublishForm(forms.Form):
    title = forms.CharField(label=_("Question title"), max_length=200)
    question = forms.CharField(
        label=_("Question"), max_length=services.TEXT_MAX, widget=forms.Textarea(attrs={"rows": 6})
    )
    answer = forms.CharField(
        label=_("Answer"), max_length=services.ANSWER_MAX, widget=forms.Textarea(attrs={"rows": 6})
    )


class CloseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for closing"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class VerdictForm(forms.Form):
    resolved = forms.TypedChoiceField(
        label=_("Did the answer resolve your issue?"),
        choices=[("1", _("Yes, it is resolved")), ("0", _("No, it is not resolved"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("What is still missing?"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RatingForm(forms.Form):
    stars = forms.TypedChoiceField(
        label=_("How satisfied are you?"),
        choices=[(str(n), str(n)) for n in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    good_attitude = forms.BooleanField(label=_("Staff were courteous and helpful"), required=False)
    on_time = forms.BooleanField(label=_("The result came on time"), required=False)
    clear_guidance = forms.BooleanField(
        label=_("The guidance and requirements were clear"), required=False
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=services.COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def to_input(self) -> services.RatingInput:
        data = self.cleaned_data
        return services.RatingInput(
            stars=data["stars"],
            good_attitude=data["good_attitude"],
            on_time=data["on_time"],
            clear_guidance=data["clear_guidance"],
            comment=data.get("comment") or "",
        )
