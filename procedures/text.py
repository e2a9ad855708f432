"""Text keys for search: Vietnamese without diacritics, lower case, single spaces."""

import re
import unicodedata

_NOT_WORD = re.compile(r"[^0-9a-z.]+")


def search_key(text: str) -> str:
    """'Cấp GIẤY PHÉP xây dựng' -> 'cap giay phep xay dung'. Codes keep their dots."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_NOT_WORD.sub(" ", stripped.lower()).split())


def search_terms(query: str) -> list[str]:
    """The words of a query, as keys; at most 8 so that a pasted paragraph stays cheap."""
    return [term.strip(".") or term for term in search_key(query).split()][:8]
