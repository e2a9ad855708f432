"""What the public Q&A must never show."""

import pytest

from feedback.privacy import MASK, mask_personal_data


@pytest.mark.parametrize(
    "secret",
    [
        "0905123456",
        "0905 123 456",
        "0905.123.456",
        "+84 905 123 456",
        "+84905123456",
        "054190001234",
        "054 190 001 234",
        "123456789",  # old CMND
        "an.nguyen+dvc@example.com.vn",
        "000.00.01.H45-261124-0007",
        "PAKN-261124-0003",
    ],
)
def test_personal_numbers_and_addresses_are_masked(secret):
    masked = mask_personal_data(f"Liên hệ: {secret}. Cảm ơn.")
    assert secret not in masked
    assert masked == f"Liên hệ: {MASK}. Cảm ơn."


def test_names_are_masked_whatever_the_case_and_spacing():
    text = "Tôi là NGUYỄN VĂN  BÌNH. Anh Văn Bình cần hỏi. Bình thường thì sao?"
    masked = mask_personal_data(text, names=["Nguyễn Văn Bình"])
    assert "BÌNH" not in masked and "Văn Bình" not in masked
    assert "Bình thường" in masked  # a given name alone is an ordinary word


def test_ordinary_numbers_stay():
    text = "Lệ phí 50.000 đồng, thời hạn 03 ngày làm việc, từ 01/01/2026, điều 12."
    assert mask_personal_data(text) == text
