"""Read the database into the same :class:`~xltools.db.CustomerDB` a workbook loads into.

Each table becomes a DataFrame indexed by ``row_id`` with the schema's column keys (plus the
columns the team added), holding the values the file loader gives: Timestamps, floats, text,
None. The row versions read with it are kept on the :class:`~xltools.db.TableFrame`
(``row_versions``), so :mod:`.apply` can tell which rows changed since.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import Connection, select

from ...changes import Issue
from ...core.values import map_distinct
from ...db import CustomerDB, TableFrame
from ...schema import Schema
from ...schema import Table as SchemaTable
from ...xlsx.refs import col_letter, make_ref
from .. import frames
from .codec import RowCodec, decode_other
from .ddl import LISTS, META, OTHER, ROW_ID, ROW_VERSION, column_names, sql_table_name


def read_meta(conn: Connection, md) -> dict[str, str]:
    return {k: v for k, v in conn.execute(select(md.tables[META].c.key,
                                                 md.tables[META].c.value))}


def fetch_all(conn: Connection, stmt) -> list[tuple]:
    """Every row of a parameterless SELECT as plain tuples. On PostgreSQL straight from psycopg,
    which already gives dates, numbers and parsed JSON (SQLAlchemy's Row objects cost a third
    of a 600,000-row load); SQLite needs SQLAlchemy's conversions (it stores dates as text)."""
    if conn.dialect.name != "postgresql":
        return conn.execute(stmt).all()
    with conn.connection.dbapi_connection.cursor() as cur:
        cur.execute(str(stmt.compile(dialect=conn.dialect)))
        return cur.fetchall()


def read_table(conn: Connection, md, table: SchemaTable, lang: str,
               issues: list[Issue]) -> TableFrame:
    """One table, every row in ``row_id`` order."""
    names = column_names(table)
    sql = md.tables[sql_table_name(table)]
    rows = fetch_all(conn, select(sql.c[ROW_ID], sql.c[ROW_VERSION],
                                  *(sql.c[names[k]] for k in table.keys),
                                  sql.c[OTHER]).order_by(sql.c[ROW_ID]))
    codec = RowCodec(table, names)
    columns = list(zip(*rows)) or [()] * (len(table.keys) + 3)
    index = list(columns[0])
    data: dict[str, list[Any]] = {}
    for pos, key in enumerate(table.keys, start=2):
        values = list(columns[pos])
        data[key] = [None if v is None else float(v) for v in values] \
            if codec.types[key] == "number" else values
    extra: list[str] = []
    unreadable: set[str] = set()
    other_pos = len(table.keys) + 2
    for i, r in enumerate(rows):
        other = r[other_pos]
        if not other:
            continue
        for key, raw in other.items():
            value = decode_other(raw)
            if key not in data:
                extra.append(key)
                data[key] = [None] * len(rows)
            data[key][i] = value
            if key in codec.types and _unreadable_kind(codec.types[key], value):
                issues.append(_unreadable(table, lang, key, index[i], value))
                unreadable.add(key)
    rows_index = pd.Index(index, dtype="int64")
    df = pd.DataFrame({key: _column(values, codec.types.get(key), key in unreadable, rows_index)
                       for key, values in data.items()}, index=rows_index)
    df = df[table.keys + extra]
    letters = {k: col_letter(p) for p, k in enumerate(table.keys + extra, start=1)}
    tf = TableFrame(key=table.key, table_name=table.table_name, sheet=table.title(lang),
                    ref=make_ref(1, 1, len(letters), max([2, *index])), df=df,
                    headers={c.key: c.label(lang) for c in table.columns},
                    letters=letters, extra_columns=extra)
    tf.row_versions = dict(zip(index, columns[1]))
    return tf


def _column(values: list, col_type: str | None, unreadable: bool, index: pd.Index) -> pd.Series:
    """One column as the file loader gives it: a date column whose every cell is a date as
    datetime64 (NaT for blanks); one with a value kept as typed as objects, its dates as
    Timestamps (made once per distinct date: they repeat a lot); everything else as objects."""
    if col_type in ("date", "datetime"):
        if not unreadable:
            stamps = pd.to_datetime(pd.Series(values, index=index, dtype=object), errors="coerce")
            return stamps.astype("datetime64[ns]")
        values = map_distinct(pd.Series(values, dtype=object),
                              lambda v: pd.Timestamp(v) if isinstance(v, dt.date) else v)
    return pd.Series(values, index=index, dtype=object)


def _unreadable_kind(col_type: str, value: Any) -> bool:
    """A value in a typed column the file loader would have reported as unreadable."""
    if col_type in ("date", "datetime"):
        return not isinstance(value, pd.Timestamp)
    if col_type in ("number", "integer"):
        return isinstance(value, bool) or not isinstance(value, (int, float))
    return False


def _unreadable(table: SchemaTable, lang: str, key: str, row: int, value: Any) -> Issue:
    """The file loader's message for the same cell (the cell named as in a template-made book)."""
    col = table.column(key)
    header = col.label(lang)
    cell = f"{table.title(lang)}!{col_letter(table.keys.index(key) + 1)}{row}"
    zh, en = ("日期", "a date") if col.is_date else ("数字", "a number")
    return Issue(table.key, row, key, value, "load", "warning",
                 f"{cell}「{header}」的值“{value}”无法识别为{zh},已按原样保留",
                 f"{cell} ({header}): {value!r} cannot be read as {en}; kept as typed")


def read_lists(conn: Connection, md, schema: Schema) -> dict[str, list[str]]:
    lists = {lst.key: list(lst.values) for lst in schema.lists}
    sql = md.tables[LISTS]
    found: dict[str, list[str]] = {}
    for key, value in conn.execute(select(sql.c.list_key, sql.c.value)
                                   .order_by(sql.c.list_key, sql.c.position)):
        found.setdefault(key, []).append(value)
    lists.update(found)
    return lists


def load_db(conn: Connection, md, schema: Schema, *, reuse: CustomerDB | None = None,
            reread=frozenset(), path=None) -> CustomerDB:
    """Every table of ``schema`` (only ``reread`` when ``reuse`` is given), Lists, Settings and
    the team's language."""
    meta = read_meta(conn, md)
    lang = meta.get("lang") if meta.get("lang") in ("zh", "en") else "zh"
    issues: list[Issue] = []
    kept = set() if reuse is None else {k for k in reuse.tables if k not in reread}
    if reuse is not None:
        issues += [i for i in reuse.load_issues if i.table in kept]
    tables = {t.key: reuse.tables[t.key] if t.key in kept else
              read_table(conn, md, t, lang, issues) for t in schema.tables}
    return CustomerDB(path=path, schema=schema, lang=lang, tables=tables,
                      lists=read_lists(conn, md, schema),
                      settings=frames.settings_from_frame(schema, tables.get("Settings")),
                      load_issues=issues)
