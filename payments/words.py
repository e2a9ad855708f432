"""Amounts in Vietnamese words, as receipts write them ("Hai triệu không trăm linh năm nghìn đồng").

Written here rather than taken from num2words: its Vietnamese reads 2.024 as "hai nghìn lẻ hai
mươi bốn" and 2.005.000 as "hai triệu năm nghìn", which is not how an accountant writes them.
Rule: after the first group, every non-zero group of three digits is read in full ("không trăm",
"linh"); all-zero groups are skipped.
"""

from __future__ import annotations

DIGITS = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"]
GROUP_UNITS = ["", "nghìn", "triệu"]


def _group(number: int, *, full: bool) -> list[str]:
    """0 < number < 1000; `full` reads the hundreds even when they are zero."""
    hundreds, tens, units = number // 100, (number // 10) % 10, number % 10
    words: list[str] = []
    if hundreds or full:
        words += [DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units:
            if words:
                words.append("linh")
            words.append(DIGITS[units])
        return words
    if tens == 1:
        words.append("mười")
    else:
        words += [DIGITS[tens], "mươi"]
    if units == 1 and tens > 1:
        words.append("mốt")
    elif units == 5:
        words.append("lăm")
    elif units:
        words.append(DIGITS[units])
    return words


def _below_billion(number: int, *, full: bool) -> list[str]:
    groups = [(number // 1_000_000) % 1000, (number // 1000) % 1000, number % 1000]
    words: list[str] = []
    for position, group in enumerate(groups):
        if not group:
            continue
        words += _group(group, full=full or bool(words))
        unit = GROUP_UNITS[2 - position]
        if unit:
            words.append(unit)
    return words


def _words(number: int, *, full: bool = False) -> list[str]:
    if number >= 1_000_000_000:
        head, rest = divmod(number, 1_000_000_000)
        words = [*_words(head, full=full), "tỷ"]
        if rest:
            words += _below_billion(rest, full=True)
        return words
    return _below_billion(number, full=full)


def number_in_words(number: int) -> str:
    """1250000 → "một triệu hai trăm năm mươi nghìn"; 0 → "không"."""
    if number < 0:
        raise ValueError("Amounts are never negative.")
    if number == 0:
        return DIGITS[0]
    return " ".join(_words(number))


def amount_in_words(amount: int) -> str:
    """The amount as written on a receipt: capitalised, followed by "đồng"."""
    text = number_in_words(int(amount))
    return f"{text[0].upper()}{text[1:]} đồng"
