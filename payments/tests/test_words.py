"""Amounts in Vietnamese words, as written on receipts."""

import pytest

from payments.words import amount_in_words


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (0, "Không đồng"),
        (8_000, "Tám nghìn đồng"),
        (15_000, "Mười lăm nghìn đồng"),
        (21_000, "Hai mươi mốt nghìn đồng"),
        (105_000, "Một trăm linh năm nghìn đồng"),
        (135_000, "Một trăm ba mươi lăm nghìn đồng"),
        (1_000_000, "Một triệu đồng"),
        (1_250_000, "Một triệu hai trăm năm mươi nghìn đồng"),
        (1_500_000, "Một triệu năm trăm nghìn đồng"),
        (2_005_000, "Hai triệu không trăm linh năm nghìn đồng"),
        (2_024, "Hai nghìn không trăm hai mươi bốn đồng"),
        (2_000_500, "Hai triệu năm trăm đồng"),
        (1_000_000_000, "Một tỷ đồng"),
        (1_000_001_000, "Một tỷ không trăm linh một nghìn đồng"),
        (1_500_000_000, "Một tỷ năm trăm triệu đồng"),
    ],
)
def test_amount_in_words(amount, words):
    assert amount_in_words(amount) == words


def test_negative_amounts_are_refused():
    with pytest.raises(ValueError):
        amount_in_words(-1)
