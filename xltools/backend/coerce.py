"""Cells as the routines expect them, column by column: what people type in Excel, read kindly.

Each column is coerced by its schema type, one pass over the column (values repeat a lot in real
books, so texts are parsed once per distinct text):

* date/datetime: dates and datetimes, Excel serials (a date cell that lost its format) and text
  such as ``2024/3/15``, ``2024-03-15``, ``2024.3.15``, ``2024年3月15日``, ``２０２４－０３－１５``
  become :class:`pandas.Timestamp`;
* number/integer: numbers typed as text, with thousands commas, a currency sign or full-width
  digits become floats (whole numbers in integer columns become ints);
* id/phone/code/e-mail: numbers become their digits as text (13812345678.0 -> ``"13812345678"``);
* blanks (None, empty or all-space text) become None.

What cannot be read stays as typed and is reported back, so validation can point at it.

>>> values, bad = coerce_column(["2024/3/15", 45366.0, "2024年3月15日", "明天", None], "date")
>>> [str(v)[:10] if v is not None else None for v in values], bad
(['2024-03-15', '2024-03-15', '2024-03-15', '明天', None], [3])
>>> coerce_column(["1,234.5", "１２", 7.0, "¥ 3", "abc"], "number")
([1234.5, 12.0, 7.0, 3.0, 'abc'], [4])
>>> coerce_column([13812345678.0, "C001", 12.5], "phone")[0]
['13812345678', 'C001', '12.5']
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

import pandas as pd

from ..core.normalize import is_blank

STRICT_TEXT = {"id", "phone", "code", "email", "fingerprint"}
DATE_TYPES = {"date", "datetime"}
NUMBER_TYPES = {"number", "integer"}

EXCEL_EPOCH = pd.Timestamp(1899, 12, 30)
# Serials Excel can show as a date: 1900-01-01 .. 9999-12-31.
MIN_SERIAL, MAX_SERIAL = 1, 2958465

_DATE_TEXT = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?)?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_NUMBER_JUNK = re.compile(r"[,\s¥$€£元]")


def serial_to_timestamp(serial: float) -> pd.Timestamp:
    """Excel's 1900 date system (with its phantom 29 Feb 1900, hence the 1899-12-30 epoch)."""
    return (EXCEL_EPOCH + pd.Timedelta(days=float(serial))).round("s")


def parse_date_text(text: str) -> pd.Timestamp | None:
    """A date typed as text, or None when it is not one we can be sure of."""
    t = unicodedata.normalize("NFKC", text).strip()
    t = t.replace("年", "-").replace("月", "-").replace("日", " ").replace("号", " ")
    t = re.sub(r"[/.]", "-", t).strip().rstrip("-")
    m = _DATE_TEXT.match(t) or _COMPACT_DATE.match(t)
    if not m:
        return None
    parts = [int(g) if g else 0 for g in m.groups()] + [0] * (6 - len(m.groups()))
    try:
        return pd.Timestamp(*parts[:3], *parts[3:6])
    except (ValueError, OverflowError):
        return None


def parse_number_text(text: str) -> float | None:
    t = _NUMBER_JUNK.sub("", unicodedata.normalize("NFKC", text))
    if not t or t in "+-.":
        return None
    try:
        value = float(t)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _as_date(v: Any, cache: dict) -> Any:
    if isinstance(v, pd.Timestamp):
        return v
    if isinstance(v, (dt.datetime, dt.date)):
        return pd.Timestamp(v)
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return serial_to_timestamp(v) if MIN_SERIAL <= v <= MAX_SERIAL else None
    if isinstance(v, str):
        if v not in cache:
            cache[v] = parse_date_text(v)
        return cache[v]
    return None


def _as_number(v: Any, cache: dict) -> Any:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        if v not in cache:
            cache[v] = parse_number_text(v)
        return cache[v]
    return None


def _as_text(v: Any) -> Any:
    if isinstance(v, bool):
        return v
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, int):
        return str(v)
    return v


def _plain(v: Any) -> Any:
    if isinstance(v, (dt.datetime, dt.date)):
        return pd.Timestamp(v)
    return v


def coerce_column(values: Sequence[Any], col_type: str | None) -> tuple[list[Any], list[int]]:
    """``values`` coerced for ``col_type``; also the positions that could not be read."""
    cache: dict = {}
    if col_type in DATE_TYPES:
        return _convert(values, lambda v: _as_date(v, cache))
    if col_type in NUMBER_TYPES:
        whole = col_type == "integer"

        def number(v: Any) -> Any:
            n = _as_number(v, cache)
            return int(n) if n is not None and whole and n.is_integer() else n
        return _convert(values, number)
    if col_type in STRICT_TEXT:
        return [None if is_blank(v) else _as_text(v) for v in values], []
    return [None if is_blank(v) else _plain(v) for v in values], []


def _convert(values: Sequence[Any], convert) -> tuple[list[Any], list[int]]:
    """Blanks become None; a value ``convert`` cannot read (None) stays as typed and is listed."""
    out: list[Any] = []
    bad: list[int] = []
    for i, v in enumerate(values):
        if is_blank(v):
            out.append(None)
            continue
        converted = convert(v)
        if converted is None:
            bad.append(i)
            out.append(v)
        else:
            out.append(converted)
    return out, bad
