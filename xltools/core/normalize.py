"""Normalisers for the ways people type Chinese customer data.

Full-width letters and digits, ideographic spaces, ``+86`` and dashes in phones, lower-case credit
codes: each function returns the canonical form, or ``""`` for a blank.

>>> halfwidth("ＡＢＣ１２３　（深圳）")
'ABC123 (深圳)'
>>> compact_text("  深圳市 华腾科技 有限公司 ")
'深圳市华腾科技有限公司'
>>> phone_digits("+86 138-1234-5678")
'13812345678'
>>> phone_digits("(0755) 8888 1234")
'075588881234'
>>> credit_code("91440300ma5f ５ｘ1234")
'91440300MA5F5X1234'
"""

from __future__ import annotations

import datetime
import re
import unicodedata

import pandas as pd

_SPACES = re.compile(r"\s+")
_NOT_DIGIT = re.compile(r"\D")


def is_blank(value) -> bool:
    """None, NaN/NaT/NA, and strings of only spaces (ideographic ones too) are blank.

    Every part of xltools asks this one function, so a cell is blank or not the same way everywhere.
    """
    if value is None:
        return True
    if isinstance(value, str):
        return not value or value.isspace()
    if isinstance(value, float):
        return value != value  # NaN
    if isinstance(value, (int, datetime.date)):  # bool is an int; NaT is a datetime
        return value is pd.NaT
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists and other containers are not blank
        return False


def halfwidth(text: str) -> str:
    """Full-width ASCII (Ａ１（) and the ideographic space become their ASCII forms (NFKC)."""
    return unicodedata.normalize("NFKC", text)


def compact_text(value) -> str:
    """Half-width, no spaces at all (Chinese names do not need them)."""
    if is_blank(value):
        return ""
    # NFKC again after the spaces go: "R¸" is R, a space and a combining cedilla until then
    return halfwidth(_SPACES.sub("", halfwidth(str(value))))


def clean_text(value) -> str:
    """Half-width, trimmed, inner runs of spaces collapsed to one (for names with Latin words)."""
    if is_blank(value):
        return ""
    return halfwidth(_SPACES.sub(" ", halfwidth(str(value))).strip())


def phone_digits(value) -> str:
    """Digits of a phone number without the +86/0086 country prefix and without an extension;
    ``""`` for a blank. A landline written with the country code (``86-755-8888 1234``,
    ``+86 (755) 88881234``) gets its trunk 0 back, so every way of writing it gives one key.

    >>> phone_digits("86-755-8888 1234") == phone_digits("(0755)88881234") == "075588881234"
    True
    >>> phone_digits("0755-8888 1234 转 801")
    '075588881234'
    """
    if is_blank(value):
        return ""
    text = halfwidth(str(value)).strip()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    text = _EXTENSION.split(text, maxsplit=1)[0]
    digits = _NOT_DIGIT.sub("", text)
    country = _COUNTRY.match(text)
    if text.startswith("+86") or digits.startswith("0086"):
        digits = digits[2:] if text.startswith("+86") else digits[4:]
    elif len(digits) == 13 and digits.startswith("86") and digits[2] == "1":
        digits = digits[2:]
    elif country and len(digits) >= 11:
        digits = digits[2:]
    else:
        return digits
    if digits and not digits.startswith("0") and not _MOBILE.match(digits):
        digits = "0" + digits  # a landline's area code loses its 0 after the country code
    return digits


_EXTENSION = re.compile(r"\s*(?:转|分机|ext\.?|#)\s*\d", re.IGNORECASE)
_COUNTRY = re.compile(r"^\(?86\)?[\s\-.)]")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def credit_code(value) -> str:
    """A 统一社会信用代码 or 身份证号 as typed: half-width, upper case, no spaces or dashes."""
    if is_blank(value):
        return ""
    return halfwidth(re.sub(r"[\s\-]", "", halfwidth(str(value))).upper())


def email(value) -> str:
    """Lower-case, half-width, trimmed."""
    if is_blank(value):
        return ""
    return halfwidth(str(value)).strip().lower()
