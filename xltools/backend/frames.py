"""From a grid of cell values to a :class:`~xltools.db.TableFrame`: what every backend's loader
shares, whatever read the grid (openpyxl, calamine, or xlwings from a running Excel).

Headers are matched to schema keys by the Chinese label, the English label or the key itself
(case and surrounding blanks ignored), in any order; columns the team added stay under their
header text. Each row keeps its Excel row number as the index, so a message can point at a cell.

>>> from xltools.schema import load_schema
>>> table = load_schema().table("Tags")
>>> grid = [["标签ID", "Customer ID", "note"], ["T20240101001", "C20240101001", 5.0],
...         [None, None, None], ["T20240101002", 20240101002.0, None]]
>>> tf = table_frame(table, grid, table_name="tblTags", sheet="客户分类标签", ref="A1:C4")
>>> tf.df.index.tolist(), tf.df.at[4, "CustomerID"], tf.extra_columns, tf.letters["CustomerID"]
([2, 4], '20240101002', ['note'], 'B')
"""

from __future__ import annotations

import datetime as dt
import numbers
from collections.abc import Iterable
from typing import Any

import pandas as pd

from .. import layout
from ..db import TableFrame
from ..core.normalize import is_blank
from ..schema import Schema, Table
from ..xlsx.refs import col_letter, make_ref, split_ref

# Column types whose values are text even when Excel holds a number (IDs, phones, codes).
STRICT_TEXT = {"id", "phone", "code", "email", "fingerprint"}


def _norm(text: Any) -> str:
    return " ".join(str(text).split()).casefold() if text is not None else ""


def match_headers(headers: Iterable[Any], table: Table) -> dict[int, str]:
    """Position -> column key for every header cell; unknown headers map to their own text.

    A header may be the zh label, the en label or the key. The first cell that names a key
    wins; a repeated header keeps its text (it is an extra column, not the schema's).
    """
    lookup: dict[str, str] = {}
    for col in table.columns:
        for label in (col.key, col.en, col.zh):
            lookup.setdefault(_norm(label), col.key)
    out: dict[int, str] = {}
    taken: set[str] = set()
    for pos, header in enumerate(headers):
        key = lookup.get(_norm(header))
        if key and key not in taken:
            taken.add(key)
            out[pos] = key
        else:
            text = "" if header is None else str(header)
            out[pos] = text or f"Column{pos + 1}"
    return out


def clean_value(value: Any, col_type: str | None) -> Any:
    """One cell as the routines see it.

    Blanks become None; a number in an ID/phone/code column becomes its digits as text
    (13812345678.0 -> '13812345678'); whole numbers in integer columns become ints; dates and
    datetimes become :class:`pandas.Timestamp`. Everything else stays as Excel gave it: the
    routines report messy values, the loader does not hide them.
    """
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (dt.datetime, dt.date)):
        return pd.Timestamp(value)
    if isinstance(value, numbers.Number):
        if col_type in STRICT_TEXT:
            f = float(value)
            return str(int(f)) if f.is_integer() else str(value)
        if col_type == "integer" and float(value).is_integer():
            return int(value)
        return float(value) if not isinstance(value, int) else value
    return value


def table_frame(table: Table, grid: list[list[Any]], *, table_name: str, sheet: str,
                ref: str) -> TableFrame:
    """Build the TableFrame of ``table`` from its whole range (header row first) as read.

    ``ref`` is the table's range in the sheet (``A1:Z301``): its first row is the header's row
    number and its first column the header's first column. Rows with no value at all are
    dropped (a new table has one empty row).
    """
    (col1, row1), _ = split_ref(ref)
    header = list(grid[0]) if grid else []
    positions = match_headers(header, table)
    types = {c.key: c.type for c in table.columns}
    columns = [positions[p] for p in range(len(header))]
    records, index = [], []
    for offset, row in enumerate(grid[1:], start=1):
        row = list(row) + [None] * (len(header) - len(row))
        cleaned = [clean_value(v, types.get(columns[p])) for p, v in enumerate(row[:len(header)])]
        if all(v is None for v in cleaned):
            continue
        records.append(cleaned)
        index.append(row1 + offset)
    df = pd.DataFrame(records, columns=columns, index=pd.Index(index, dtype="int64"), dtype=object)
    for key in table.keys:  # a column the book lacks reads as blank; the check reports it
        if key not in df.columns:
            df[key] = pd.Series([None] * len(df), index=df.index, dtype=object)
    extra = [c for c in columns if c not in types]
    df = df[table.keys + extra]
    return TableFrame(
        key=table.key, table_name=table_name, sheet=sheet, ref=ref, df=df,
        headers={positions[p]: ("" if header[p] is None else str(header[p]))
                 for p in positions if positions[p] in types},
        letters={positions[p]: col_letter(col1 + p) for p in positions},
        extra_columns=extra)


def list_key(schema: Schema, header: Any) -> str | None:
    """The list a Lists-table header names (its key, English or Chinese label), or None."""
    lookup = {}
    for lst in schema.lists:
        for label in (lst.key, lst.en, lst.zh):
            lookup.setdefault(_norm(label), lst.key)
    return lookup.get(_norm(header))


def lists_from_grid(schema: Schema, grid: list[list[Any]]) -> dict[str, list[str]]:
    """tblLists (header = list label or key) -> {list key: options}; lists the book lacks keep
    the schema's options."""
    out = {lst.key: list(lst.values) for lst in schema.lists}
    if not grid:
        return out
    for pos, header in enumerate(grid[0]):
        key = list_key(schema, header)
        if not key:
            continue
        values = [clean_value(row[pos] if pos < len(row) else None, "id") for row in grid[1:]]
        out[key] = [str(v).strip() for v in values if v is not None]
    return out


def settings_from_frame(schema: Schema, frame: TableFrame | None) -> dict[str, str]:
    """tblSettings -> {Setting: Value as text}; settings the book lacks keep their defaults."""
    out = schema.setting_defaults()
    if frame is None:
        return out
    for name, value in zip(frame.df["Setting"].tolist(), frame.df["Value"].tolist()):
        if name is None:
            continue
        out[str(name).strip()] = "" if value is None else str(clean_value(value, "id"))
    return out


def lang_from_name(refers_to: Any) -> str | None:
    """``="zh"`` (the ``xlt_Lang`` name's formula) -> 'zh'; None when unreadable."""
    text = str(refers_to or "").strip().lstrip("=").strip().strip('"').strip()
    return text if text in ("zh", "en") else None


def detect_lang(frames: dict[str, TableFrame], schema: Schema) -> str:
    """The book's language from the Customers headers when ``xlt_Lang`` is missing."""
    tf = frames.get("Customers")
    if tf is None:
        return "zh"
    return layout.detect_lang(list(tf.headers.values()), schema.table("Customers"))


def empty_frame(table: Table, lang: str) -> TableFrame:
    """A table the book does not have yet: empty, as if at A1 of a sheet named by its title."""
    header = [table.headers(lang)]
    return table_frame(table, header, table_name=table.table_name,
                              sheet=table.title(lang),
                              ref=make_ref(1, 1, len(table.columns), 2))
