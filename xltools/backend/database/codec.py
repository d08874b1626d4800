"""Values between the routines' DataFrames and SQL rows, losing nothing.

A value that fits its column's SQL type is stored there (a date as DATE, an amount as DOUBLE);
one that does not (a date column reading "下周三", a customer name Excel gave as a number, a
date with a time of day in a DATE column) goes whole into the row's ``other_values`` JSON under
its column key, and comes back from there on load. Columns the team added to a table live there
too, under their header text.

>>> enc = encoder("date")
>>> enc(pd.Timestamp("2024-03-15")), enc("下周三")
((datetime.date(2024, 3, 15), None), (None, '下周三'))
>>> decode_other(encode_other(pd.Timestamp("2024-03-15 10:30")))
Timestamp('2024-03-15 10:30:00')
"""

from __future__ import annotations

import datetime as dt
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ...core.normalize import is_blank

_MISSING = (None, None)


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _date(value: Any):
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        ts = pd.Timestamp(value)
        if ts == ts.normalize() and ts.tzinfo is None:
            return ts.date(), None
    elif isinstance(value, dt.date):
        return value, None
    return None, value


def _datetime(value: Any):
    if isinstance(value, (pd.Timestamp, dt.datetime)) and getattr(value, "tzinfo", None) is None:
        return pd.Timestamp(value).to_pydatetime(), None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time()), None
    return None, value


def _number(value: Any):
    return (float(value), None) if _is_number(value) and float(value) == value else (None, value)


def _integer(value: Any):
    if _is_number(value) and float(value).is_integer() and not isinstance(value, float):
        return int(value), None
    return None, value


def _text(value: Any):
    return (value, None) if isinstance(value, str) else (None, value)


_ENCODERS = {"date": _date, "datetime": _datetime, "number": _number, "integer": _integer}


def encoder(col_type: str | None) -> Callable[[Any], tuple[Any, Any]]:
    """``value -> (SQL value, value for other_values)``; one of the two is None."""
    enc = _ENCODERS.get(col_type or "text", _text)

    def encode(value: Any) -> tuple[Any, Any]:
        if isinstance(value, np.datetime64):  # a cell of a datetime64 column
            value = pd.Timestamp(value)
        return _MISSING if is_blank(value) else enc(value)

    return encode


def encode_other(value: Any) -> Any:
    """A cell value as JSON: dates as ``{"date": iso}``, anything exotic as its text."""
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date)):
        return {"date": pd.Timestamp(value).isoformat()}
    if isinstance(value, (str, bool, int, float)) or value is None:
        return value
    return str(value)


def decode_other(value: Any) -> Any:
    if isinstance(value, dict) and "date" in value:
        return pd.Timestamp(value["date"])
    return value


class RowCodec:
    """Encode whole rows of one schema table for SQL."""

    def __init__(self, table, names: dict[str, str]):
        self.table, self.names = table, names
        self.types = {c.key: c.type for c in table.columns}
        self.encoders = {k: encoder(t) for k, t in self.types.items()}

    def encode(self, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """Column key -> value (schema keys and extra headers) -> (SQL columns, other_values)."""
        row: dict[str, Any] = {}
        other: dict[str, Any] = {}
        for key, value in values.items():
            enc = self.encoders.get(key)
            if enc is None:  # a column the team added
                if not is_blank(value):
                    other[key] = encode_other(value)
                continue
            sql_value, odd = enc(value)
            row[self.names[key]] = sql_value
            if odd is not None:
                other[key] = encode_other(odd)
        return row, other

    def encode_columns(self, df: pd.DataFrame) -> tuple[dict[str, list], list[dict[str, Any]]]:
        """:meth:`encode` for every row of ``df``, a column at a time (a push encodes 600,000
        rows: the common cells, text and whole dates, take a fast path): SQL column name ->
        values, and each row's kept values."""
        n = len(df)
        sql_cols: dict[str, list] = {name: [None] * n for name in self.names.values()}
        others: list[dict[str, Any]] = [{} for _ in range(n)]
        for key in df.columns:
            values = df[key].tolist()
            col_type = self.types.get(key)
            if col_type is None:  # a column the team added
                odd = [None if is_blank(v) else v for v in values]
            else:
                sql_cols[self.names[key]], odd = encode_column(values, col_type,
                                                               self.encoders[key])
            for i, v in enumerate(odd):
                if v is not None:
                    others[i][key] = encode_other(v)
        return sql_cols, others


def encode_column(values: list, col_type: str, enc) -> tuple[list, list]:
    """(SQL values, kept values) of one column; the fast paths give what ``enc`` would."""
    sql: list = []
    odd: list = []
    date = col_type == "date"
    text = col_type not in _ENCODERS
    for v in values:
        if v is None:
            sql.append(None)
            odd.append(None)
        elif text and type(v) is str:
            blank = not v.strip()
            sql.append(None if blank else v)
            odd.append(None)
        elif date and type(v) is pd.Timestamp and v.tzinfo is None and not (
                v.hour or v.minute or v.second or v.microsecond or v.nanosecond):
            sql.append(v.date())
            odd.append(None)
        else:
            a, b = enc(v)
            sql.append(a)
            odd.append(b)
    return sql, odd
