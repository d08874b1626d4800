"""Find customers with a condition, e.g. the seed's example::

    Region=华南 and tag:价值=高价值 and Industry=IT服务业 and followup_within(30)

The expression uses the same language as the Rules sheet (:mod:`xltools.core.condition`); Chinese
headers and 且/或 work too. :func:`query` returns the matching Customers rows; :func:`to_sheet`
presents them in the book, :mod:`xltools.exports` in a CSV or workbook file.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from ..changes import SheetRebuild
from .condition import Columns, Context, evaluate, parse

QUERY_SHEET = ("Query", "查询结果", "Query")


def query(db, expr: str, today: dt.date | None = None) -> pd.DataFrame:
    """The Customers rows (index = Excel row) the expression holds for, visible columns only.

    Raises :class:`~xltools.core.condition.ConditionError` pointing at the wrong token.
    """
    node = parse(expr, Columns.for_customers(db.schema, db.tables["Customers"].extra_columns))
    ctx = Context.from_db(db, today)
    mask = evaluate(node, ctx)
    return db.df("Customers").loc[mask, visible_columns(db)]


def visible_columns(db) -> list[str]:
    table = db.schema.table("Customers")
    keys = [c.key for c in table.columns if not c.hidden]
    return [k for k in keys if k in db.df("Customers").columns] + list(db.tables["Customers"].extra_columns)


def json_value(value):
    """A cell value as JSON: ISO dates, None for blanks, whole floats as ints."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if value is pd.NaT:
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        if (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item"):          # numpy scalars
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def records(rows: pd.DataFrame) -> list[dict]:
    return [{k: json_value(v) for k, v in rec.items()} for rec in rows.to_dict("records")]


def headers(db, keys: list[str]) -> list[str]:
    """Header labels in the book's language (extra columns keep their own header)."""
    return [db.tables["Customers"].headers.get(k, k) for k in keys]


def to_sheet(db, expr: str, rows: pd.DataFrame) -> SheetRebuild:
    """The Query sheet: the expression, the count, then the rows with a link back to each."""
    key, zh, en = QUERY_SHEET
    keys = list(rows.columns)
    title = f"查询:{expr}" if db.lang == "zh" else f"Query: {expr}"
    count = f"共 {len(rows)} 位客户" if db.lang == "zh" else f"{len(rows)} customers"
    grid = [[title], [count], headers(db, keys)]
    links = {}
    for i, (row, rec) in enumerate(zip(rows.index, rows.itertuples(index=False)), start=4):
        grid.append([cell_value(v) for v in rec])
        links[(i, 1)] = db.cell_ref("Customers", int(row), keys[0])
    widths = {i + 1: float(db.schema.table("Customers").column(k).width)
              if k in db.schema.table("Customers").keys else 14.0 for i, k in enumerate(keys)}
    page = {"orientation": "landscape", "fit_width": True, "title_rows": (3, 3), "freeze": "A4"}
    return SheetRebuild(key, zh, en, grid, widths=widths, links=links, bold_rows={1, 3}, page=page)


def cell_value(value):
    """A cell value as a sheet shows it: ISO date text becomes a date."""
    value = json_value(value)
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value
