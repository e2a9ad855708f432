"""Removing personal data from text before it is published in the public Q&A.

What is masked: the sender's name (whole, and their given name when it is distinctive), e-mail
addresses, Vietnamese phone numbers (with spaces, dots or dashes, +84 or 0), 9- and 12-digit ID
numbers (CMND, CCCD) and dossier and feedback codes. A mask is a neutral "***" so that the
published text reads the same in every language. Staff may edit the published copy; it is
masked again when saved.
"""

from __future__ import annotations

import re

MASK = "***"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Dossier codes (000.00.01.H45-261124-0007) and feedback codes (PAKN-261124-0007).
_DOSSIER_CODE = re.compile(r"\b\d{3}\.\d{2,3}\.\d{2,3}\.[A-Za-z]\d{2}-\d{6}-\d{4}\b")
_FEEDBACK_CODE = re.compile(r"\bPAKN-\d{6}-\d{4,}\b", re.IGNORECASE)
# Phone numbers: +84 or 0 then 8-10 digits, optionally grouped by spaces, dots or dashes.
_PHONE = re.compile(r"(?<![\w.])(?:\+84|0084|0)(?:[\s.-]?\d){8,10}(?![\w])")
# Identity numbers: CCCD (12 digits) and the old CMND (9 digits), grouped or not.
_ID_NUMBER = re.compile(r"(?<!\d)(?:\d[\s.]?){11}\d(?!\d)|(?<!\d)\d{9}(?!\d)")


def _name_patterns(names: list[str]) -> list[re.Pattern[str]]:
    patterns = []
    for name in names:
        words = name.split()
        if not words:
            continue
        # The full name with any spacing, then the given name (last word) if it is long enough
        # not to hide ordinary words ("An" stays: it is also a common word).
        patterns.append(re.compile(r"\b" + r"\s+".join(map(re.escape, words)) + r"\b", re.I))
        if len(words) > 1 and len(words[-1]) >= 3:
            given = r"\s+".join(map(re.escape, words[-2:]))
            patterns.append(re.compile(r"\b" + given + r"\b", re.I))
    return patterns


def mask_personal_data(text: str, *, names: list[str] | tuple[str, ...] = ()) -> str:
    """`text` with the personal data listed above replaced by ``***``."""
    if not text:
        return ""
    for pattern in _name_patterns([n for n in names if n and n.strip()]):
        text = pattern.sub(MASK, text)
    for pattern in (_EMAIL, _DOSSIER_CODE, _FEEDBACK_CODE, _ID_NUMBER, _PHONE):
        text = pattern.sub(MASK, text)
    return text
