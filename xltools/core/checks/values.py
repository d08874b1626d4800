"""Reading cells the way people fill them: blanks, dates and numbers, over whole columns.

>>> s = pd.Series([None, "  ", "x", float("nan")])
>>> list(blank(s))
[True, True, False, True]
>>> list(as_dates(pd.Series(["2024-03-15", "明天", None, 45000])).dt.strftime("%Y-%m-%d").fillna("-"))
['2024-03-15', '-', '-', '-']
"""

from __future__ import annotations

import datetime as _dt
import math

import pandas as pd


def blank(s: pd.Series) -> pd.Series:
    """True for None, NaN/NaT and strings of only spaces."""
    if s.dtype.kind in "biufcmM" or not holds_text(s):
        return s.isna()
    # One pass in plain Python beats pandas' string accessor on object columns here (about 2x).
    return pd.Series([_blank_one(v) for v in s.to_numpy()], index=s.index, dtype=bool)


def holds_text(s: pd.Series) -> bool:
    """Whether any filled cell is a string (one C-level pass; dates and numbers are not)."""
    return pd.api.types.infer_dtype(s, skipna=True) not in (
        "empty", "datetime64", "datetime", "date", "integer", "floating", "mixed-integer-float",
        "decimal", "boolean", "timedelta")


def _blank_one(v) -> bool:
    if isinstance(v, str):
        return not v or v.isspace()
    return v is None or v is pd.NaT or (isinstance(v, float) and math.isnan(v))


def masked(s: pd.Series) -> pd.Series:
    """True where a cell carries a mask (three or more ``*`` in a row), as ``privacy.is_masked``."""
    if s.dtype.kind in "biufcmM":
        return pd.Series(False, index=s.index)
    return s.astype(str).str.contains(r"\*{3,}", regex=True).astype(bool)


def as_dates(s: pd.Series) -> pd.Series:
    """The column as datetime64; NaT for blanks and for anything that is not a date.

    Date and datetime cells pass through; text is parsed (``2024-03-15``, ``2024/3/15``), each
    distinct text once. Bare numbers are not dates here: a date cell that lost its format.
    """
    if s.dtype.kind == "M":
        return s.dt.tz_localize(None) if getattr(s.dt, "tz", None) is not None else s
    if pd.api.types.infer_dtype(s, skipna=True) in ("datetime64", "datetime", "date", "empty"):
        # The usual case: every filled cell is a date (as the loaders give them); one C pass.
        return pd.to_datetime(s.astype(object), errors="coerce").astype("datetime64[ns]")
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    filled = s[~blank(s)]
    if filled.empty:
        return out
    is_date = filled.map(lambda v: isinstance(v, (_dt.date, pd.Timestamp))).astype(bool)
    if is_date.any():
        out[is_date[is_date].index] = pd.to_datetime(filled[is_date].astype(object), errors="coerce")
    texts = filled[filled.map(lambda v: isinstance(v, str)).astype(bool)]
    if not texts.empty:
        parsed = {t: _parse_date(t) for t in texts.unique()}
        out[texts.index] = texts.map(parsed).astype("datetime64[ns]")
    return out


def _parse_date(text: str):
    try:
        return pd.to_datetime(text.strip(), errors="coerce")
    except (ValueError, OverflowError, TypeError):
        return pd.NaT


def as_numbers(s: pd.Series) -> pd.Series:
    """The column as floats; NaN for blanks and for text that is not a plain number."""
    if s.dtype.kind in "biuf":
        return s.astype(float)
    filled = ~blank(s)
    out = pd.Series(float("nan"), index=s.index)
    out[filled] = pd.to_numeric(s[filled].map(_number_text), errors="coerce")
    return out


def _number_text(v):
    if isinstance(v, bool):
        return float("nan")
    if isinstance(v, str):
        return v.strip().replace(",", "")
    return v
