from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .models import User
from .validators import normalise_vn_mobile, validate_national_id


class IdentifierAuthenticationForm(AuthenticationForm):
    """Log in with a national ID number, e-mail address or mobile number."""

    username = forms.CharField(
        label=_("National ID number, e-mail or mobile number"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )

    error_messages = {
        "invalid_login": _(
            "The account or the password is not correct. Please check and try again."
        ),
        "inactive": _("This account has been deactivated. Please contact the portal hotline."),
    }


class MobileField(forms.CharField):
    def clean(self, value: str) -> str:
        value = super().clean(value)
        if not value:
            return ""
        mobile = normalise_vn_mobile(value)
        if mobile is None:
            raise forms.ValidationError(
                _("Enter a Vietnamese mobile number of 10 digits, e.g. 0912345678."),
                code="mobile",
            )
        return mobile


class ContactFieldsMixin(forms.Form):
    """E-mail and/or mobile: at least one, each belonging to nobody else."""

    instance: User | None = None

    def clean_email(self) -> str:
        email = (self.cleaned_data.get("email") or "").strip()
        if email:
            taken = User.objects.filter(email__iexact=email)
            if self.instance is not None and self.instance.pk:
                taken = taken.exclude(pk=self.instance.pk)
            if taken.exists():
                raise forms.ValidationError(
                    _("An account with this e-mail address already exists."), code="taken"
                )
        return email

    def clean_phone(self) -> str:
        phone = self.cleaned_data.get("phone") or ""
        if phone:
            taken = User.objects.filter(phone=phone)
            if self.instance is not None and self.instance.pk:
                taken = taken.exclude(pk=self.instance.pk)
            if taken.exists():
                raise forms.ValidationError(
                    _("An account with this mobile number already exists."), code="taken"
                )
        return phone

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        contact_errors = self.errors.get("email") or self.errors.get("phone")
        if not contact_errors and not cleaned.get("email") and not cleaned.get("phone"):
            raise forms.ValidationError(
                _("Give an e-mail address or a mobile number (or both) so that we can reach you."),
                code="no_contact",
            )
        return cleaned


class SignUpForm(ContactFieldsMixin, forms.Form):
    full_name = forms.CharField(
        label=_("Full name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    national_id = forms.CharField(
        label=_("National ID number (CCCD)"),
        max_length=12,
        min_length=12,
        help_text=_("12 digits, as printed on the citizen identity card."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={
            "min_length": _("The national ID number (CCCD) must have exactly 12 digits."),
            "max_length": _("The national ID number (CCCD) must have exactly 12 digits."),
        },
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = MobileField(
        label=_("Mobile number"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, not only digits, not a common password."),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    accept_terms = forms.BooleanField(
        label=_("I have read and accept the terms of use of the portal."),
        error_messages={"required": _("You must accept the terms of use to create an account.")},
    )

    def clean_national_id(self) -> str:
        national_id = self.cleaned_data["national_id"].strip()
        validate_national_id(national_id)
        if User.objects.filter(national_id=national_id).exists():
            raise forms.ValidationError(
                _(
                    "An account with this national ID number already exists. "
                    "Log in, or reset the password if you have forgotten it."
                ),
                code="taken",
            )
        return national_id

    def clean(self) -> dict:
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords do not match."))
        elif password1:
            candidate = User(
                username=cleaned.get("national_id", ""),
                full_name=cleaned.get("full_name", ""),
                email=cleaned.get("email", ""),
            )
            try:
                password_validation.validate_password(password1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class ProfileForm(ContactFieldsMixin, forms.ModelForm):
    phone = MobileField(
        label=_("Mobile number"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    class Meta:
        model = User
        fields = ["full_name", "email", "phone", "address"]
        widgets = {
            "full_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "address": forms.TextInput(attrs={"autocomplete": "street-address"}),
        }


def label_one_time_code(form: forms.Form) -> None:
    """The second log-in step asks for the 6-digit code from the authenticator app."""
    field = form.fields["otp_token"]
    field.label = _("One-time code")
    field.widget.attrs.update({"autocomplete": "one-time-code", "inputmode": "numeric"})
