"""Cells as the routines expect them, column by column: what people type in Excel, read kindly.

Each column is coerced by its schema type, one pass over the column (values repeat a lot in real
books, so texts are parsed once per distinct text):

* date/datetime: whatever :func:`xltools.core.values.read_date` reads (dates, Excel serials,
  ``2024/3/15``, ``2024年3月15日``, ``20240315`` ...) becomes a :class:`pandas.Timestamp`;
* number/integer: whatever :func:`xltools.core.values.read_number` reads (``1,234``, ``¥ 3``,
  full-width digits, ``12.5万``) becomes a float (whole numbers in integer columns become ints);
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
from collections.abc import Sequence
from typing import Any

import pandas as pd

from ..core.normalize import is_blank
from ..core.values import read_date, read_number

STRICT_TEXT = {"id", "phone", "code", "email", "fingerprint"}
DATE_TYPES = {"date", "datetime"}
NUMBER_TYPES = {"number", "integer"}


def _as_date(v: Any, cache: dict) -> Any:
    if isinstance(v, pd.Timestamp):
        return v
    if isinstance(v, (dt.datetime, dt.date)):
        return pd.Timestamp(v)
    if isinstance(v, str):
        if v not in cache:
            cache[v] = read_date(v)
        return cache[v]
    return read_date(v)


def _as_number(v: Any, cache: dict) -> Any:
    if isinstance(v, str):
        if v not in cache:
            cache[v] = read_number(v)
        return cache[v]
    return read_number(v)


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
