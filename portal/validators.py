"""Validation of Vietnamese identity data: CCCD numbers and mobile numbers."""

from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Place-of-birth codes of the 63 provinces (Circular 07/2016/TT-BCA), the first three digits.
CCCD_PROVINCE_CODES = frozenset(
    [
        "001",
        "002",
        "004",
        "006",
        "008",
        "010",
        "011",
        "012",
        "014",
        "015",
        "017",
        "019",
        "020",
        "022",
        "024",
        "025",
        "026",
        "027",
        "030",
        "031",
        "033",
        "034",
        "035",
        "036",
        "037",
        "038",
        "040",
        "042",
        "044",
        "045",
        "046",
        "048",
        "049",
        "051",
        "052",
        "054",
        "056",
        "058",
        "060",
        "062",
        "064",
        "066",
        "067",
        "068",
        "070",
        "072",
        "074",
        "075",
        "077",
        "079",
        "080",
        "082",
        "083",
        "084",
        "086",
        "087",
        "089",
        "091",
        "092",
        "093",
        "094",
        "095",
        "096",
    ]
)


def validate_national_id(value: str) -> None:
    """A CCCD number: 12 digits.

    Province of birth (3 digits), century and sex (1), year of birth (2), serial number (6).
    """
    if not (len(value) == 12 and value.isascii() and value.isdigit()):
        raise ValidationError(
            _("The national ID number (CCCD) must have exactly 12 digits."), code="cccd_format"
        )
    if value[:3] not in CCCD_PROVINCE_CODES:
        raise ValidationError(
            _("The first three digits of a CCCD number must be a province code."),
            code="cccd_province",
        )
    century_digit = int(value[3])
    birth_year = 1900 + (century_digit // 2) * 100 + int(value[4:6])
    if birth_year > timezone.localdate().year:
        raise ValidationError(
            _("The century and birth-year digits of this CCCD number are not possible."),
            code="cccd_birth_year",
        )


def normalise_vn_mobile(value: str) -> str | None:
    """Return a Vietnamese mobile number in national form (0912345678), or None if it is not one."""
    try:
        number = phonenumbers.parse(value, "VN")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 84 or not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        return None
    return "0" + str(number.national_number)


def validate_vn_mobile(value: str) -> None:
    if normalise_vn_mobile(value) != value:
        raise ValidationError(
            _("Enter a Vietnamese mobile number of 10 digits, e.g. 0912345678."),
            code="mobile",
        )
