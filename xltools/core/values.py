"""Reading cell values as a team types them: the one reader of dates and numbers.

The loader, the checks, the condition language and the importer all read a date or a number here,
so a cell that passes validation is the same date to a rule, a report and an import.

Dates (:func:`read_date`; :func:`as_dates` for a whole column):

* date/datetime cells pass through; times are kept by :func:`read_date` and dropped by
  :func:`as_dates` unless ``times=True`` (rules and reports work in whole days);
* text year-first with ``-`` ``/`` ``.`` or 年月日: ``2024-3-15``, ``2024/3/15``, ``2024.3.15``,
  ``2024年3月15日`` (号 too), optionally followed by a time (``10:30``, ``10时30分``, ``T10:30:00Z``);
* eight digits, as text or a number: ``20240315``;
* Excel serial day numbers (a date cell that lost its format; ``45366`` is 2024-03-15), as a
  number, or as five digits in text (CSV exports carry them that way; ``"2024"`` is no date);
* full-width digits and punctuation (``２０２４－０３－１５``) read as their ASCII forms;
* day-first or month-first with the year last (``15/03/2024``, ``03/15/2024``) only when the order
  is certain: one part above 12, or both equal. ``03/04/2024`` could be 3 April or 4 March, so it
  is *not* read as a date and validation reports it for a person to fix: a guess would silently
  move a follow-up by a month.
* years outside 1900..2200 are not dates (a typo such as 20240 or 1024 is reported, not kept).

>>> [str(read_date(v))[:10] for v in ["2024/3/15", "2024-3-15", "2024年3月15日", "20240315",
...                                   "2024.3.15", 45366, "２０２４－０３－１５", "15/03/2024"]]
['2024-03-15', '2024-03-15', '2024-03-15', '2024-03-15', '2024-03-15', '2024-03-15', '2024-03-15', '2024-03-15']
>>> read_date("03/04/2024") is None, read_date("明天") is None, read_date(True) is None
(True, True, True)

Numbers (:func:`read_number`; :func:`as_numbers` for a column): numbers pass through; text may
carry thousands commas, spaces, a currency sign (¥ $ € £ 元), full-width digits, and 万 / 亿:

>>> [read_number(v) for v in ["1,234.5", "１２", 7, "¥ 3", "12.5万", "abc", "十万"]]
[1234.5, 12.0, 7.0, 3.0, 125000.0, None, None]
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from typing import Any, Callable

import numpy as np
import pandas as pd

from .normalize import is_blank

EXCEL_EPOCH = pd.Timestamp(1899, 12, 30)
ISO_CELL = "%Y-%m-%d %H:%M:%S"     # how a column reader renders a date cell in a mixed column
FIRST_YEAR, LAST_YEAR = 1900, 2200
# Serial day numbers of 1900-01-01 and 2200-12-31 (Excel's 1900 system, phantom 29 Feb 1900).
MIN_SERIAL, MAX_SERIAL = 1, 109939

_TIME = r"(?:[\sT]*(\d{1,2})[:时](\d{1,2})(?:[:分](\d{1,2})(?:\.\d+)?)?秒?\s*(?:Z|[+-]\d{2}:?\d{2})?)?"
_YEAR_FIRST = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?" + _TIME + "$")
_YEAR_LAST = re.compile(r"^(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4})" + _TIME + "$")
_DIGITS = re.compile(r"^\d+(?:\.\d+)?$")
_NUMBER_JUNK = re.compile(r"[,\s¥$€£元]")
_UNITS = {"万": 10_000, "亿": 100_000_000}


# ------------------------------------------------------------------------------ one value


def read_date(value: Any) -> pd.Timestamp | None:
    """The date (and time, when typed) a cell holds, or None when it is not surely a date."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, pd.Timestamp):
        return None if value is pd.NaT else value.tz_localize(None) if value.tz else value
    if isinstance(value, (dt.datetime, dt.date, np.datetime64)):
        stamp = pd.Timestamp(value)
        return None if stamp is pd.NaT else stamp.tz_localize(None) if stamp.tz else stamp
    if isinstance(value, (int, float, np.integer, np.floating)):
        return _date_from_number(float(value))
    if not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFKC", value).strip()
    if _DIGITS.match(text):      # 20240315, or a five-digit serial as CSV exports carry it
        return _date_from_number(float(text)) if len(text.split(".")[0]) in (5, 8) else None
    m = _YEAR_FIRST.match(text)
    if m:
        return _make(*m.groups())
    m = _YEAR_LAST.match(text)
    if m:
        first, second, year = int(m.group(1)), int(m.group(2)), m.group(3)
        if first > 12 >= second or first == second:     # 15/03/2024: day first
            return _make(year, second, first, *m.groups()[3:])
        if second > 12 >= first:                        # 03/15/2024: month first
            return _make(year, first, second, *m.groups()[3:])
    return None                                         # 03/04/2024: could be either


def read_number(value: Any) -> float | None:
    """The number a cell holds, or None when it is not one."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        number = float(value)
        return number if math.isfinite(number) else None
    if not isinstance(value, str):
        return None
    text = _NUMBER_JUNK.sub("", unicodedata.normalize("NFKC", value))
    scale = 1
    if text[-1:] in _UNITS:
        text, scale = text[:-1], _UNITS[text[-1]]
    if not text or text in "+-.":
        return None
    try:
        number = float(text) * scale
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def serial_to_timestamp(serial: float) -> pd.Timestamp:
    """Excel's 1900 date system (with its phantom 29 Feb 1900, hence the 1899-12-30 epoch)."""
    return (EXCEL_EPOCH + pd.Timedelta(days=float(serial))).round("s")


def _date_from_number(number: float) -> pd.Timestamp | None:
    if not math.isfinite(number):
        return None
    if number.is_integer() and 10_000_000 <= number <= 99_999_999:       # 20240315
        n = int(number)
        return _make(n // 10000, n // 100 % 100, n % 100)
    if MIN_SERIAL <= number <= MAX_SERIAL:
        return serial_to_timestamp(number)
    return None


def _make(year, month, day, hour=None, minute=None, second=None) -> pd.Timestamp | None:
    year, month, day = int(year), int(month), int(day)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return None
    try:
        return pd.Timestamp(year, month, day, int(hour or 0), int(minute or 0), int(second or 0))
    except ValueError:
        return None


# --------------------------------------------------------------------------- whole columns


def cell_value(value: Any) -> Any:
    """A DataFrame value as a cell is written back: None for a blank, a datetime for a Timestamp,
    a Python scalar for a numpy one.

    >>> cell_value(float("nan")), cell_value(pd.Timestamp("2024-03-15")), cell_value(np.int64(3))
    (None, datetime.datetime(2024, 3, 15, 0, 0), 3)
    """
    if is_blank(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value.item() if hasattr(value, "item") else value


def map_distinct(series: pd.Series, read: Callable[[Any], Any]) -> list:
    """``[read(v) for v in series]``, calling ``read`` once per distinct value (blanks give None).

    Real books repeat dates and amounts a lot; this is where a faster column reader plugs in.
    """
    codes, uniques = pd.factorize(series.astype(object), use_na_sentinel=True)
    read_values = [read(u) for u in uniques] + [None]       # code -1 (blank) -> the last slot
    return [read_values[c] for c in codes]


def as_dates(series: pd.Series, *, times: bool = False) -> pd.Series:
    """A column of dates as typed -> datetime64; NaT for blanks and for what is not a date.

    >>> as_dates(pd.Series(["2024年3月15日", 45366, None, "03/04/2024"])).dt.strftime("%Y-%m-%d").tolist()
    ['2024-03-15', '2024-03-15', nan, nan]
    """
    if series.dtype.kind == "M":
        out = series
    elif pd.api.types.infer_dtype(series, skipna=True) in ("datetime64", "datetime", "date", "empty"):
        out = pd.to_datetime(series.astype(object), errors="coerce")     # the loaders' usual case
    else:
        out = _mixed_dates(series)
    if getattr(out.dt, "tz", None) is not None:
        out = out.dt.tz_localize(None)
    if out.dtype != "datetime64[ns]":
        out = out.astype("datetime64[ns]")
    return out if times else out.dt.normalize()


def _mixed_dates(series: pd.Series) -> pd.Series:
    """:func:`read_date` over a column of dates and text: the cells that are dates already
    (most of a used book's column, each with its own time: no two alike) converted in bulk,
    the text read once per distinct value."""
    out = pd.Series(pd.NaT, index=series.index, dtype="datetime64[ns]")
    stamps, converted = _date_cells(series)
    if stamps.any():
        out[stamps] = converted
    if not stamps.all():
        rest = ~stamps
        out[rest] = pd.to_datetime(map_distinct(series[rest], read_date)).astype("datetime64[ns]")
    return out


def _date_cells(series: pd.Series) -> tuple[np.ndarray, Any]:
    """Which cells are dates without a time zone already, and those cells as datetime64.
    Found by their exact type in one pass (a Timestamp per cell is most of a used book's date
    column); a rarer kind (a subclass, a zoned time among them) is looked at cell by cell."""
    values = series.to_numpy(dtype=object)
    stamps = np.fromiter((type(v) in _DATE_CELLS for v in values), dtype=bool,
                         count=len(values))
    if stamps.any():
        try:
            converted = pd.to_datetime(series[stamps].astype(object))
        except (TypeError, ValueError):     # naive and zoned times mixed
            converted = None
        if converted is not None and converted.dtype == "datetime64[ns]":
            return stamps, converted
    stamps = series.map(_naive_datetime).to_numpy(dtype=bool)
    return stamps, pd.to_datetime(series[stamps].astype(object)).astype("datetime64[ns]")


_DATE_CELLS = {pd.Timestamp, dt.datetime, dt.date}


def _naive_datetime(value: Any) -> bool:
    return isinstance(value, (dt.datetime, dt.date)) and getattr(value, "tzinfo", None) is None


def as_numbers(series: pd.Series) -> pd.Series:
    """A column of numbers as typed ('12,000', ' 5000 ', '3万') -> float; NaN for blanks and junk."""
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return series.astype(float)
    numbers = map_distinct(series, read_number)
    return pd.Series([np.nan if n is None else n for n in numbers], index=series.index, dtype=float)


def as_text(series: pd.Series) -> pd.Series:
    """Text folded the way condition literals are (NFKC, trimmed); blanks become ''.

    Whole numbers typed into text columns often come back from readers as 5.0: they read as 5.
    """
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return series.map(_number_text).astype(object)
    values = series.astype(object)
    folded = _fold_text_arrow(values)
    if folded is not None:
        return folded
    not_str = ~values.map(lambda v: isinstance(v, str)).astype(bool)
    if not_str.any():
        values = values.copy()
        values[not_str] = values[not_str].map(_number_text)
    text = values.astype("string").fillna("").str.normalize("NFKC")
    return text.str.strip().astype(object)


def arrow_text(series: pd.Series):
    """A column of text and blanks (None, NaN) as an Arrow string array, nulls for the blanks,
    for whole-column work in Arrow's compute kernels; None when it holds anything else (numbers,
    dates), which the caller's pandas path handles.

    >>> arrow_text(pd.Series(["a", None])).to_pylist(), arrow_text(pd.Series(["a", 5.0]))
    (['a', None], None)
    >>> arrow_text(pd.Series(["华\\ud800腾"])) is None
    True
    """
    import pyarrow as pa
    try:
        return pa.array(series.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeEncodeError):   # (a lone surrogate, from
        return None                                     # a live Excel cell: not UTF-8 at all)


def arrow_mask(hits, index) -> pd.Series:
    """An Arrow boolean array (nulls read False) as a bool Series on ``index``."""
    import pyarrow.compute as pc
    hits = pc.fill_null(hits, False)
    return pd.Series(hits.to_numpy(zero_copy_only=False), index=index, dtype=bool)


def _fold_text_arrow(values: pd.Series) -> pd.Series | None:
    """:func:`as_text` for a column of text and blanks in Arrow's compute kernels (NFKC and trim
    in C++: the ID and name columns of a big book are folded many times a run); None when the
    column holds anything else (numbers, dates), which the general path handles."""
    import pyarrow.compute as pc
    arr = arrow_text(values)
    if arr is None:
        return None
    arr = pc.utf8_trim_whitespace(pc.utf8_normalize(arr, form="NFKC")).fill_null("")
    return pd.Series(arr.to_numpy(zero_copy_only=False), index=values.index, dtype=object)


def _number_text(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, pd.Timestamp)) and value == pd.Timestamp(value).normalize():
        return value.strftime("%Y-%m-%d")
    return str(value)


# ------------------------------------------------------------------------------ typed columns


def read_column(series: pd.Series, kind: str, *,
                blank: np.ndarray | None = None) -> tuple[pd.Series, np.ndarray]:
    """A column as a reader delivered it (typed when its cells agree: datetime64, float; text
    when they are mixed) converted for ``kind`` ("date", "number" or "integer") in one pass.

    Returns object values (Timestamps, floats, ints for whole "integer" numbers; None for blanks)
    and a mask of the cells that could not be read: those keep the value as typed. A typed
    column costs no parsing at all; text is read once per distinct value (:func:`map_distinct`).
    ``blank``: the blank cells when the caller knows them already (else found here).

    >>> values, bad = read_column(pd.Series(["2024/3/15", "明天", None, " "]), "date")
    >>> [str(v)[:10] if v is not None else None for v in values], bad.tolist()
    (['2024-03-15', '明天', None, None], [False, True, False, False])
    >>> read_column(pd.Series([3.0, 2.5, np.nan]), "integer")[0].tolist()
    [3, 2.5, None]
    """
    blank = _blank_mask(series) if blank is None else blank
    if kind == "date" and series.dtype.kind == "M":
        values = series.astype("datetime64[ns]").astype(object)
        bad = np.zeros(len(series), dtype=bool)
    elif kind != "date" and series.dtype.kind in "fiu":
        values = series.astype(float).astype(object)
        bad = np.zeros(len(series), dtype=bool)
    else:
        read = read_date if kind == "date" else read_number
        typed = series.to_numpy(dtype=object)
        out = np.full(len(series), None, dtype=object)     # (numpy: no pandas setitem per mask)
        todo = ~blank
        if kind == "date" and _all_text(series):
            # Date cells a reader rendered as text in a mixed column: parse them in bulk.
            iso = pd.to_datetime(series.where(todo), format=ISO_CELL, errors="coerce")
            done = iso.notna().to_numpy() & todo
            out[done] = iso.array[done].astype(object)
            todo &= ~done
        if todo.any():
            out[todo] = map_distinct(pd.Series(typed[todo], dtype=object), read)
        bad = pd.isna(out) & ~blank
        out[bad] = typed[bad]
        values = pd.Series(out, index=series.index, dtype=object)
    if kind == "integer":
        values = pd.Series([int(v) if isinstance(v, float) and v.is_integer() else v
                            for v in values], index=series.index, dtype=object)
    values = values.astype(object)
    values[blank] = None
    return values, bad


def _all_text(series: pd.Series) -> bool:
    return series.dtype == object and pd.api.types.infer_dtype(series, skipna=True) == "string"


def _blank_mask(series: pd.Series) -> np.ndarray:
    """:func:`xltools.core.normalize.is_blank` for a whole column, vectorised."""
    blank = series.isna().to_numpy()
    if _all_text(series) or isinstance(series.dtype, pd.StringDtype):
        text = series.astype("string[pyarrow]")
        blank |= text.str.strip().fillna("").eq("").to_numpy(dtype=bool)
    elif series.dtype == object:
        blank |= series.map(lambda v: isinstance(v, str) and (not v or v.isspace())).to_numpy(
            dtype=bool)
    return blank
