"""Reading cell values as typed: the column converters the condition language, checks and reports
share. Whatever a team types into a date or number cell, every part of xltools reads it here.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd


def as_dates(series: pd.Series) -> pd.Series:
    """Any column of dates as typed (datetime, date, '2024/3/15', Excel serial) -> datetime64, NaT
    for blanks and junk. Times are dropped: rules and reports work in whole days."""
    if pd.api.types.is_datetime64_any_dtype(series):
        out = series
    else:
        values = series.where(series.map(lambda v: isinstance(v, (str, dt.date, dt.datetime,
                                                                    pd.Timestamp))), None)
        text_mask = values.map(lambda v: isinstance(v, str))
        out = pd.to_datetime(values.where(~text_mask, None), errors="coerce")
        if text_mask.any():
            texts = values[text_mask].astype(str).str.strip().str.replace(
                r"[年月/.]", "-", regex=True).str.replace("日", "", regex=False)
            out = out.copy()
            out[text_mask] = pd.to_datetime(texts, errors="coerce", format="mixed")
        numbers = pd.to_numeric(series.where(series.map(lambda v: isinstance(v, (int, float))
                                                        and not isinstance(v, bool))),
                                errors="coerce")
        serial = numbers.between(1, 2958465)
        if serial.any():    # Excel serial day numbers that came through as plain numbers
            out = out.copy()
            out[serial] = pd.Timestamp("1899-12-30") + pd.to_timedelta(numbers[serial].astype(int), "D")
    out = pd.to_datetime(out, errors="coerce")
    if getattr(out.dt, "tz", None) is not None:
        out = out.dt.tz_localize(None)
    return out.dt.normalize()


def as_numbers(series: pd.Series) -> pd.Series:
    """Numbers as typed ('12,000', ' 5000 ', 3e4) -> float, NaN for blanks and junk."""
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return series.astype(float)
    text = series.astype("string").str.replace(",", "", regex=False).str.strip()
    return pd.to_numeric(text, errors="coerce").astype(float)


def as_text(series: pd.Series) -> pd.Series:
    """Text folded the way literals are (NFKC, trimmed); blanks become ''.

    Whole numbers typed into text columns often come back from readers as 5.0: they read as 5.
    """
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return series.map(_number_text).astype(object)
    values = series.astype(object)
    not_str = ~values.map(lambda v: isinstance(v, str)).astype(bool)
    if not_str.any():
        values = values.copy()
        values[not_str] = values[not_str].map(_number_text)
    text = values.astype("string").fillna("").str.normalize("NFKC")
    return text.str.strip().astype(object)


def _number_text(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, pd.Timestamp)) and value == pd.Timestamp(value).normalize():
        return value.strftime("%Y-%m-%d")
    return str(value)
