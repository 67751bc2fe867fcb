"""Number texts a .csv reader (numpy.loadtxt) does not read but Python's float() does: a hint writing the number."""

from __future__ import annotations

from typing import Any

__all__ = ["number_text_hint", "float_only", "WrittenInt"]


class WrittenInt(int):
    """An integer read from a table's text past float's range ('1e400'), which messages quote as ``written``."""

    written: str

    def __new__(cls, value: int, written: str = "") -> WrittenInt:
        number = super().__new__(cls, value)
        number.written = written
        return number


def number_text_hint(value: Any) -> str:
    """A hint writing exactly a number Python's float() reads but no .csv reader does: with thousands separators
    ('1,500'), digit separators ('1_000') or another script's digits ('１２')."""
    text = value.strip() if isinstance(value, str) else ""
    reason = ("thousands separators" if "," in text else None if not float_only(text)
              else "digit separators" if "_" in text else "digits of another script")
    written = text.replace(",", "")
    try:  # 1234567 as written, not 1.23457e+06
        number = int(written) if written.replace("_", "").lstrip("+-").isdecimal() else float(written)
    except ValueError:
        return ""
    return f" ({reason}? write it as {number!r})" if reason and abs(number) < float("inf") else ""


def float_only(text: str) -> bool:
    """Whether number ``text`` (spaces stripped) is one Python's float() may read but a .csv reader (numpy.loadtxt)
    does not: with digit separators or another script's digits.

    >>> float_only("1_000"), float_only("１２"), float_only("1e5")
    (True, True, False)
    """
    return "_" in text or not text.isascii()
