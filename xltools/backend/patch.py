"""A table after cell updates, computed in memory as a re-read of the written file would find it.

The monthly batch re-reads what each step wrote, so the next step sees the book as written. For a
step that only set cells (mask's phones, sync's last follow-up times) re-reading 100,000 customers
costs about 2 s, to learn values the step itself chose. :func:`patched_tables` sets them in a copy
of the frame instead, converted as the loader converts cells (:func:`~xltools.backend.coerce.
coerce_column`), but only where that is certain to equal the re-read:

* the value is of the column's own kind (text in a text column, a date or whole-second time in a date
  column, a finite number below 10**15 in a number column), so the reader's per-column type does
  not change; text has nothing the file format rewrites (control characters, ``\\r``, ``_xHHHH_``
  escapes) and stays within Excel's cell limit (longer text is cut on write);
* the column holds only values of that kind already (a text column of numbers read as floats would
  read differently once it holds one text);
* the cell is a loaded record's (a value in an empty row would make a new record) and had no
  unreadable value (which the load reported and a fix would withdraw), and a blank written does not
  leave its row empty (a re-read drops empty rows).

Anything else returns None for the table: the caller re-reads it.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from ..changes import CellUpdate
from ..db import CustomerDB, TableFrame
from ..xlsx.cells import plain
from .coerce import DATE_TYPES, NUMBER_TYPES, coerce_column

MAX_TEXT = 32_767                    # Excel's cell limit: longer text is cut when written
_REWRITTEN = re.compile(r"[\x00-\x08\x0b-\x1f\ud800-\udfff\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")
_FIRST_SERIAL_DAY = dt.datetime(1900, 3, 1)   # before it, Excel's 1900 leap-year bug


def patched_tables(db: CustomerDB, updates: Iterable[CellUpdate],
                   issues: Iterable) -> dict[str, TableFrame | None]:
    """{table key: its frame with ``updates`` set, or None when only a re-read can tell}.
    ``issues``: the load's unreadable cells (``db.load_issues``)."""
    by_table: dict[str, list[CellUpdate]] = {}
    for u in updates:
        by_table.setdefault(u.table, []).append(u)
    unreadable = {(i.table, i.row, i.column) for i in issues}
    out: dict[str, TableFrame | None] = {}
    for key, items in by_table.items():
        out[key] = _patched(db, key, items, unreadable)
    return out


def _patched(db: CustomerDB, key: str, items: list[CellUpdate],
             unreadable: set) -> TableFrame | None:
    table = db.tables[key]
    types = {c.key: c.type for c in db.schema.table(key).columns}
    df = table.df
    by_column: dict[str, dict[int, Any]] = {}
    for u in items:
        if u.column not in table.letters or u.column not in df.columns \
                or (key, u.row, u.column) in unreadable:
            return None
        by_column.setdefault(u.column, {})[u.row] = u.new   # the last update of a cell wins
    new_df = df.copy(deep=False)
    blank_rows: set[int] = set()
    for column, cells in by_column.items():
        col_type = types.get(column)
        rows = np.fromiter(cells, dtype="int64", count=len(cells))
        at = df.index.get_indexer(rows)
        if (at < 0).any():
            return None
        written = [plain(v) for v in cells.values()]
        if not all(_same_kind(v, col_type) for v in written) or not _column_of_kind(
                df[column], col_type):
            return None
        values, bad = coerce_column(written, col_type)
        if bad:
            return None
        blank_rows.update(r for r, v in zip(cells, values) if v is None)
        column_values = new_df[column].to_numpy(copy=True)
        if column_values.dtype.kind == "M":
            column_values[at] = [np.datetime64("NaT") if v is None else
                                 np.datetime64(v.to_datetime64(), "ns") for v in values]
        else:
            column_values[at] = _objects(values)
        new_df[column] = pd.Series(column_values, index=df.index, dtype=column_values.dtype)
    if blank_rows and new_df.loc[sorted(blank_rows)].isna().all(axis=1).any():
        return None
    return replace(table, df=new_df)


def _objects(values: list) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _same_kind(value: Any, col_type: str | None) -> bool:
    """Whether ``value``, written and read back, is certain to come back as the loader reads it."""
    if value is None:
        return True
    if col_type in DATE_TYPES:
        if type(value) is dt.date:
            return _FIRST_SERIAL_DAY.date() <= value
        return (type(value) is dt.datetime and value.microsecond == 0
                and value.tzinfo is None and _FIRST_SERIAL_DAY <= value)
    if col_type in NUMBER_TYPES:
        return type(value) in (int, float) and math.isfinite(value) and abs(value) < 1e15
    return (type(value) is str and len(value) <= MAX_TEXT and "\r" not in value
            and _REWRITTEN.search(value) is None)


def _column_of_kind(series: pd.Series, col_type: str | None) -> bool:
    """Whether every value the column holds is of its type's kind (so one more of the kind keeps
    the reader's type for the column)."""
    if col_type in DATE_TYPES:
        return series.dtype.kind == "M"
    kind = pd.api.types.infer_dtype(series, skipna=True)
    if col_type in NUMBER_TYPES:
        return kind in ("empty", "floating", "integer", "mixed-integer-float")
    return kind in ("empty", "string")
