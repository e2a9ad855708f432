"""Forms of the payment pages. They only read input: the services decide and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dossiers.forms_desk import DeskForm

from .models import Payment


class DeskPaymentForm(DeskForm):
    method = forms.ChoiceField(
        label=_("Paid by"),
        choices=[
            (Payment.Method.CASH.value, Payment.Method.CASH.label),
            (Payment.Method.BANK_TRANSFER.value, Payment.Method.BANK_TRANSFER.label),
            (Payment.Method.POST_OFFICE.value, Payment.Method.POST_OFFICE.label),
        ],
        initial=Payment.Method.CASH,
        widget=forms.RadioSelect,
    )
    reference = forms.CharField(
        label=_("Transfer or post office reference"),
        required=False,
        max_length=100,
        help_text=_("Required for a bank transfer or a post office payment."),
    )
    payer_name = forms.CharField(
        label=_("Paid by (name)"),
        required=False,
        max_length=150,
        help_text=_("Leave empty when the applicant paid."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        super().__init__(data, prefix="pay", **kwargs)


class ExemptionForm(DeskForm):
    reason = forms.CharField(
        label=_("Reason for the exemption"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The legal basis and the proof seen, e.g. poor household certificate."),
    )

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        super().__init__(data, prefix="exempt", **kwargs)


class RefundRecordForm(DeskForm):
    payment = forms.IntegerField(widget=forms.HiddenInput)
    reference = forms.CharField(
        label=_("Refund reference"),
        max_length=100,
        help_text=_("Transfer number, or the number of the cash voucher signed by the payer."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        super().__init__(data, prefix="refund", **kwargs)


class ReviewConfirmForm(DeskForm):
    """A debit the bank held for review (07): the desk confirms it as paid."""

    payment = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("How the bank confirmed it"),
        max_length=1000,
        help_text=_("For example the bank's reference or the name of the person who confirmed."),
    )

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        super().__init__(data, prefix="review", **kwargs)


class ReviewRefundForm(DeskForm):
    """A debit the bank held for review (07): the desk has it refunded."""

    payment = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason for the refund"), max_length=2000)

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        super().__init__(data, prefix="review-refund", **kwargs)


class AlertHandledForm(DeskForm):
    payment = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        super().__init__(data, prefix="alert", **kwargs)
