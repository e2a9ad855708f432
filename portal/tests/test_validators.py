import pytest
from django.core.exceptions import ValidationError

from portal.validators import normalise_vn_mobile, validate_national_id, validate_vn_mobile


@pytest.mark.parametrize(
    "value",
    ["054095000123", "001199012345", "079301000001", "096000999999", "038123456789"],
)
def test_valid_cccd(value):
    validate_national_id(value)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("05409500012", "cccd_format"),  # 11 digits
        ("0540950001234", "cccd_format"),  # 13 digits
        ("05409500012a", "cccd_format"),
        ("０５４０９５０００１２３", "cccd_format"),  # full-width digits
        ("003095000123", "cccd_province"),  # 003 is no province code
        ("099095000123", "cccd_province"),
        ("054495000123", "cccd_birth_year"),  # century digit 4 = born in the 2100s
        ("054399000123", "cccd_birth_year"),  # born in 2099
    ],
)
def test_invalid_cccd(value, code):
    with pytest.raises(ValidationError) as error:
        validate_national_id(value)
    assert error.value.code == code


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("0905123456", "0905123456"),
        ("+84905123456", "0905123456"),
        ("84 905 123 456", "0905123456"),
        ("0905.123.456", "0905123456"),
        ("0362345678", "0362345678"),
        ("02573800100", None),  # a landline
        ("090512345", None),  # too short
        ("0123456789", None),  # old 11-digit prefix, no longer a mobile range
        ("hello", None),
        ("", None),
    ],
)
def test_normalise_vn_mobile(raw, normalised):
    assert normalise_vn_mobile(raw) == normalised


def test_mobile_validator_wants_the_national_form():
    validate_vn_mobile("0905123456")
    with pytest.raises(ValidationError):
        validate_vn_mobile("+84905123456")
