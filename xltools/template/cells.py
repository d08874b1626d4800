"""Writing one table's rows with XlsxWriter, a cell at a time, with the right type and format.

Strings always go in with ``write_string``: a customer called ``=HYPERLINK(...)`` or a phone
``+86 138...`` stays text and never becomes a formula or a number. Blank values (None, NaN, NaT,
``""``) leave the cell empty; dates and Timestamps become Excel dates.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers

import pandas as pd

from ..core.normalize import is_blank
from ..schema import Column, Table

# Column types whose values are text even when they look like numbers (IDs, phones, codes).
STRICT_TEXT = {"id", "phone", "code", "email", "fingerprint"}
# Column types given the text number format "@", so Excel keeps typed digit strings as text.
TEXT_FORMAT_TYPES = STRICT_TEXT | {"text"}
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


class Formats:
    """One XlsxWriter Format per distinct style, created on first use (a workbook holds a
    limited number of styles, and equal builds need the same ones in the same order)."""

    def __init__(self, workbook):
        self.workbook = workbook
        self._cache: dict[tuple, object] = {}

    def get(self, **props):
        key = tuple(sorted(props.items()))
        if key not in self._cache:
            self._cache[key] = self.workbook.add_format(props)
        return self._cache[key]

    def number_format(self, col: Column) -> str | None:
        """The number format a column's cells get, or None for General."""
        if col.type == "date":
            return DATE_FORMAT
        if col.type == "datetime":
            return DATETIME_FORMAT
        if col.type in ("number", "integer"):
            return col.format or ("0" if col.type == "integer" else None)
        if col.type in TEXT_FORMAT_TYPES or col.type == "list":
            return "@"
        return None

    def for_column(self, col: Column):
        fmt = self.number_format(col)
        return self.get(num_format=fmt) if fmt else None


def is_number(value) -> bool:
    return isinstance(value, numbers.Number) and not isinstance(value, bool)


def as_text(value) -> str:
    """Text of a value bound for a text column: 13800138000.0 -> '13800138000'."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M" if (value.hour, value.minute) != (0, 0)
                              else "%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _as_datetime(value):
    if isinstance(value, pd.Timestamp):
        if value.tzinfo is not None:
            value = value.tz_localize(None)
        return value.to_pydatetime()
    return value


def write_frame(ws, table: Table, df: pd.DataFrame | None, formats: Formats,
                first_row: int = 1) -> set[str]:
    """Write ``df``'s rows (columns = column keys) under a header at ``first_row - 1`` (0-based).

    Columns the frame lacks stay blank; columns the table lacks are ignored. Returns the keys of
    text-typed columns that received numbers (they must not get the "@" column format).
    """
    numeric_in_text: set[str] = set()
    if df is None or df.empty:
        return numeric_in_text
    for c, col in enumerate(table.columns):
        if col.key not in df.columns:
            continue
        cell_format = formats.for_column(col)
        plain = formats.get(num_format=col.format) if col.format else None
        for r, value in enumerate(df[col.key].astype(object).tolist(), start=first_row):
            if is_blank(value):
                continue
            if isinstance(value, str):
                ws.write_string(r, c, value, cell_format)
            elif isinstance(value, bool):
                ws.write_boolean(r, c, value)
            elif isinstance(value, (dt.date, pd.Timestamp)):
                if col.is_date and value.year >= 1900:  # Excel has no dates before 1900
                    ws.write_datetime(r, c, _as_datetime(value), cell_format)
                else:
                    ws.write_string(r, c, as_text(value), cell_format)
            elif is_number(value) and col.type not in STRICT_TEXT and math.isfinite(value):
                if col.type in TEXT_FORMAT_TYPES or col.type == "list":
                    numeric_in_text.add(col.key)
                    ws.write_number(r, c, value, plain)
                else:
                    ws.write_number(r, c, value, cell_format)
            else:
                ws.write_string(r, c, as_text(value), cell_format)
    return numeric_in_text
