"""Chinese identity numbers and phones: 统一社会信用代码, 身份证号, mainland phone numbers.

The scalar functions follow python-stdnum (``stdnum.cn.uscc``, ``stdnum.cn.ric``) and call it; the
``*_status`` functions do the same checks over a whole pandas Series with numpy, because a book of
100,000 customers is checked on every run. Each status function returns one short reason per value:

* ``"ok"``        a valid number
* ``"blank"``     nothing there
* ``"masked"``    already masked (``110105********002X``, ``138****5678``)
* ``"length"``, ``"charset"``, ``"checksum"``: a 统一社会信用代码 or 身份证号 that is malformed
* ``"birthdate"`` (身份证: no such date, before 1900 or after today), ``"division"`` (unknown area code)
* ``"invalid"``   (phones: not a mainland mobile or landline number)

>>> uscc_is_valid("91110000600037341L"), uscc_is_valid("91110000600037341M")
(True, False)
>>> ric_is_valid("11010519491231002X"), ric_is_valid("119905194912310021")
(True, False)
>>> list(uscc_status(pd.Series(["91110000600037341L", "9111000060003734", "91110000600037341M", ""])))
['ok', 'length', 'checksum', 'blank']
>>> list(ric_status(pd.Series(["11010519491231002X", "110105********002X", "110105194913310021"])))
['ok', 'masked', 'birthdate']
>>> division("91440300MA5F5X1234"), division("11010519491231002X")
('440300', '110105')
>>> phone_kind("+86 138-1234-5678"), phone_kind("0755-8888 1234"), phone_kind("138****5678")
('mobile', 'landline', 'masked')
"""

from __future__ import annotations

import datetime as _dt
import functools
import re

import numpy as np
import pandas as pd
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError

from .divisions import known_division
from .normalize import credit_code, is_blank, phone_digits

USCC_ALPHABET = uscc._alphabet  # 0-9 and A-Y without I, O, S, V, Z
USCC_WEIGHTS = np.array((1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28))
RIC_WEIGHTS = np.array((7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2))
RIC_CHECK = "10X98765432"

# Masks as xltools.core.privacy makes them.
MASKED_ID = re.compile(r"^[0-9]{6}\*{4,}[0-9X]{4}$")
MASKED_PHONE = re.compile(r"^(1[3-9][0-9]|0[0-9]{2,3})\*{4}[0-9]{4}$")
MOBILE = re.compile(r"^1[3-9][0-9]{9}$")

# Character -> value in the USCC alphabet, -1 for a character that may not appear.
_USCC_VALUE = np.full(256, -1, dtype=np.int64)
for _i, _c in enumerate(USCC_ALPHABET):
    _USCC_VALUE[ord(_c)] = _i


# ---------------------------------------------------------------- scalar forms (python-stdnum)


def uscc_is_valid(code) -> bool:
    """A 统一社会信用代码 with the right length, characters and check digit."""
    return not is_blank(code) and uscc.is_valid(credit_code(code))


def ric_is_valid(code) -> bool:
    """A 身份证号 with the right check digit, a real birth date and a known area code.

    ``stdnum.cn.ric.is_valid`` raises ``KeyError('county')`` for a known province with an unknown
    county instead of returning False; that counts as invalid here.
    """
    if is_blank(code):
        return False
    try:
        return ric.is_valid(credit_code(code))
    except (KeyError, ValidationError):
        return False


def division(code, person: bool | None = None) -> str | None:
    """The 6-digit administrative division a code was issued in: digits 1-6 of a 身份证号 (also of a
    masked one), digits 3-8 of a 统一社会信用代码. ``person=None`` guesses from the code's shape.
    None when the code has no division."""
    text = credit_code(code)
    if len(text) != 18:
        return None
    if person is None:
        person = bool(MASKED_ID.match(text)) or (ric_like(text) and not uscc.is_valid(text))
    digits = text[:6] if person else text[2:8]
    return digits if digits.isascii() and digits.isdigit() else None


def ric_like(code: str) -> bool:
    """18 characters, 17 digits and a digit or X: shaped like a 身份证号 (not a company code)."""
    return (len(code) == 18 and code.isascii() and code[:17].isdigit()
            and code[17] in "0123456789X")


def ric_shaped(codes: pd.Series) -> pd.Series:
    """:func:`ric_like` of each cell of a column, in one pass over its text (cells that are not
    text are not shaped like anything).

    >>> ric_shaped(pd.Series(["11010519491231002X", "91350100MA2XYZ1234", "", None, 5.0])).tolist()
    [True, False, False, False, False]
    """
    from .values import arrow_mask, arrow_text
    arr = arrow_text(codes)
    if arr is None:                       # numbers or dates among the text
        return codes.map(lambda c: isinstance(c, str) and ric_like(c)).astype(bool)
    return arrow_mask(pc.match_substring_regex(arr, "^[0-9]{17}[0-9X]$"), codes.index)


def phone_kind(value) -> str:
    """'mobile', 'landline', 'masked', 'blank' or 'invalid' for one mainland phone number."""
    if is_blank(value):
        return "blank"
    text = str(value).strip()
    if MASKED_PHONE.match(text):
        return "masked"
    return _raw_phone_kind(phone_digits(value))


@functools.lru_cache(maxsize=65536)
def _raw_phone_kind(digits: str) -> str:
    if not digits or len(digits) < 7:
        return "invalid"
    try:
        number = phonenumbers.parse(digits, "CN")
    except phonenumbers.NumberParseException:
        return "invalid"
    if number.country_code != 86 or not phonenumbers.is_valid_number(number):
        return "invalid"
    kind = phonenumbers.number_type(number)
    if kind == phonenumbers.PhoneNumberType.MOBILE:
        return "mobile"
    if kind in (phonenumbers.PhoneNumberType.FIXED_LINE,
                phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
        return "landline"
    return "invalid"


# ---------------------------------------------------------------- vectorised forms


_CLEAN_CODE = r"[0-9A-Z*]{18}"


def normalised_codes(values: pd.Series) -> pd.Series:
    """Half-width, upper-case codes without spaces or dashes; ``""`` for blanks."""
    from .values import arrow_text
    arr = arrow_text(values) if values.dtype == object else None
    if arr is not None:     # text and blanks: the clean codes (most) found in Arrow's kernels
        clean = pc.match_substring_regex(arr, f"^{_CLEAN_CODE}$").fill_null(False).to_numpy(
            zero_copy_only=False)
        out = values.astype(object, copy=True)
        out[~clean] = values[~clean].map(credit_code)
        return out
    text = values.astype(object).where(values.notna(), "")
    clean = text.map(type).eq(str) & text.astype(str).str.fullmatch(_CLEAN_CODE)
    out = text.astype(str).where(clean, "")
    out[~clean] = values[~clean].map(credit_code)  # the few typed with spaces, dashes, full-width
    return out.astype(object)


def _char_matrix(codes: pd.Series) -> np.ndarray:
    """(n, 18) array of byte values for 18-character ASCII codes."""
    joined = "".join(codes.tolist()).encode("ascii")
    return np.frombuffer(joined, dtype=np.uint8).reshape(-1, 18)


# MASKED_ID as RE2 reads it (Arrow's kernels): Python's $ also matches before a final newline.
_MASKED_ID_RE2 = MASKED_ID.pattern[:-1] + r"\n?$"


def _shape(codes: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per code: blank (""), masked (:data:`MASKED_ID`), 18 characters, 18 ASCII characters;
    over the column's text in Arrow's kernels (a pandas ``.str`` call is a Python call per cell,
    and each status asks four of them of 100,000 codes)."""
    from .values import arrow_text
    arr = arrow_text(codes) if codes.dtype == object else None
    if arr is None or arr.null_count:    # not all text: cell by cell
        text = codes.astype(str)
        len18 = (text.str.len() == 18).to_numpy(dtype=bool)
        return ((codes == "").to_numpy(dtype=bool), text.str.match(MASKED_ID.pattern).to_numpy(
            dtype=bool), len18, len18 & text.map(str.isascii).to_numpy(dtype=bool))

    def np_bool(a):
        return a.to_numpy(zero_copy_only=False).astype(bool)
    len18 = np_bool(pc.equal(pc.utf8_length(arr), 18))
    return (np_bool(pc.equal(arr, "")), np_bool(pc.match_substring_regex(arr, _MASKED_ID_RE2)),
            len18, len18 & np_bool(pc.string_is_ascii(arr)))


def _by_shape(codes: pd.Series, index, shaped: np.ndarray | None = None
              ) -> tuple[pd.Series, np.ndarray]:
    """Each code's status as its shape tells it ('blank', 'masked', 'length', or 'charset' for
    18 characters its kind does not allow: ``shaped``, by default 18 ASCII characters), and
    which codes are left for the check proper (shaped, not blank, not masked)."""
    blank, masked, len18, ascii18 = _shape(codes)
    rest = ~blank & ~masked
    shaped = (ascii18 if shaped is None else shaped) & rest
    status = np.full(len(codes), "length", dtype=object)
    status[blank] = "blank"
    status[masked] = "masked"
    status[len18 & ~shaped & rest] = "charset"
    return pd.Series(status, index=index, dtype=object), shaped


def uscc_status(values: pd.Series, *, normalised: bool = False) -> pd.Series:
    """Status of each value read as a 统一社会信用代码 (see the module docstring).
    ``normalised=True``: the values already went through :func:`normalised_codes`."""
    codes = values if normalised else normalised_codes(values)
    out, full = _by_shape(codes, values.index)
    if full.any():
        chars = _char_matrix(codes[full])
        vals = _USCC_VALUE[chars]
        ok_chars = (vals >= 0).all(axis=1) & (chars[:, :8] >= ord("0")).all(axis=1) \
            & (chars[:, :8] <= ord("9")).all(axis=1)
        total = (np.where(vals[:, :17] >= 0, vals[:, :17], 0) * USCC_WEIGHTS).sum(axis=1)
        expected = (31 - total % 31) % 31
        ok_check = vals[:, 17] == expected
        out[full] = np.where(~ok_chars, "charset", np.where(ok_check, "ok", "checksum"))
    return out


def ric_status(values: pd.Series, today: _dt.date | None = None, *,
               normalised: bool = False) -> pd.Series:
    """Status of each value read as an 18-digit 身份证号 (see the module docstring)."""
    today = today or _dt.date.today()
    codes = values if normalised else normalised_codes(values)
    out, shaped = _by_shape(codes, values.index, ric_shaped(codes).to_numpy(dtype=bool))
    if shaped.any():
        sub = codes[shaped]
        digits = _char_matrix(sub)[:, :17].astype(np.int64) - ord("0")
        expected = np.array(list(RIC_CHECK))[(digits * RIC_WEIGHTS).sum(axis=1) % 11]
        ok_check = sub.str[17].to_numpy() == expected
        born = pd.to_datetime(sub.str[6:14], format="%Y%m%d", errors="coerce")
        ok_date = born.notna() & (born.dt.year >= 1900) & (born <= pd.Timestamp(today))
        known = sub.str[:6].map(known_division).astype(bool)
        out[shaped] = np.select([~ok_check, ~ok_date.to_numpy(), ~known.to_numpy()],
                                ["checksum", "birthdate", "division"], "ok")
    return out


def phone_status(values: pd.Series) -> pd.Series:
    """:func:`phone_kind` of each value; each distinct number is parsed once."""
    from .values import arrow_text
    arr = arrow_text(values) if values.dtype == object else None
    out = pd.Series("blank", index=values.index, dtype=object)
    if arr is not None:     # text and blanks: trimmed and matched in Arrow's kernels
        trimmed = pc.utf8_trim_whitespace(arr)
        filled = pc.not_equal(trimmed, "").fill_null(False).to_numpy(zero_copy_only=False)
        masked = filled & pc.match_substring_regex(trimmed, MASKED_PHONE.pattern).fill_null(
            False).to_numpy(zero_copy_only=False)
    else:
        text = values.map(lambda v: "" if is_blank(v) else str(v).strip())
        filled = text != ""
        masked = filled & text.str.match(MASKED_PHONE.pattern)
    out[masked] = "masked"
    raw = filled & ~masked
    if raw.any():
        digits = values[raw].map(phone_digits)
        kinds = {d: _raw_phone_kind(d) for d in digits.unique()}
        out[raw] = digits.map(kinds)
    return out


def divisions(values: pd.Series, person: pd.Series, *, normalised: bool = False) -> pd.Series:
    """6-digit division of each code (``person`` True: read as 身份证号); None when unknown."""
    from .values import arrow_text
    codes = values if normalised else normalised_codes(values)
    as_person = person.reindex(codes.index).fillna(False).astype(bool)
    arr = arrow_text(codes) if codes.dtype == object else None
    if arr is not None and not arr.null_count:       # all text: in Arrow's kernels
        six = pc.if_else(pa.array(as_person.to_numpy(dtype=bool)),
                         pc.utf8_slice_codeunits(arr, 0, 6), pc.utf8_slice_codeunits(arr, 2, 8))
        ok = pc.and_(pc.equal(pc.utf8_length(arr), 18), pc.match_substring_regex(six, "^[0-9]{6}$"))
        return pd.Series(pc.if_else(ok, six, None).to_numpy(zero_copy_only=False),
                         index=codes.index, dtype=object)
    ok18 = codes.str.len() == 18
    out = pd.Series(None, index=codes.index, dtype=object)
    out[ok18 & as_person] = codes[ok18 & as_person].str[:6]
    out[ok18 & ~as_person] = codes[ok18 & ~as_person].str[2:8]
    return out.where(out.fillna("").str.fullmatch(r"[0-9]{6}"), None)
