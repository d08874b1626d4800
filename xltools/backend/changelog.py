"""The rows a backend appends to tblChangeLog for one applied changeset (shared by the backends).

One row per changed cell, appended row and removed row: when, which command, which table (its
sheet title in the book's language), which record (its ID), which column (its header), old and
new value and the routine's note. Values of masked columns (phones, ID numbers, e-mails) are
logged masked: the ChangeLog is in the book, and the raw values must not be.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from ..changes import Changeset
from ..core import privacy
from ..core.mask import OLD_DISCARDED, OLD_IN_VAULT
from .frames import is_blank

# Texts a routine puts in Old/New on purpose; they are not values and are never masked.
_PLACEHOLDERS = {OLD_IN_VAULT, OLD_DISCARDED}


def _logged(value: Any, kind: str | None) -> Any:
    if is_blank(value):
        return ""
    if isinstance(value, np.datetime64):  # a cell of a datetime64 column, as routines see it
        stamp = pd.Timestamp(value)
        value = stamp.date() if stamp == stamp.normalize() else stamp.to_pydatetime()
    if kind and isinstance(value, (str, int, float)) and value not in _PLACEHOLDERS:
        return privacy.mask_value(kind, value)
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    return value


class _RecordKeys:
    """A record's ID by table and row (``#row`` when it has none), each table's IDs looked up
    in one pass: a mask logs 100,000 updated cells."""

    def __init__(self, db):
        self.db = db
        self.ids: dict[str, dict | None] = {}

    def __call__(self, table: str, row: int) -> str:
        if table not in self.ids:
            self.ids[table] = self._ids(table)
        ids = self.ids[table]
        if ids is None:
            return str(row)
        value = ids.get(row)
        return f"#{row}" if value is None or is_blank(value) else str(value)

    def _ids(self, table: str) -> dict | None:
        tf = self.db.tables.get(table)
        if tf is None:
            return None
        id_col = self.db.schema.table(table).id_column
        if not id_col or id_col not in tf.df.columns:
            return {}
        return dict(zip(tf.df.index.tolist(), tf.df[id_col].tolist()))


COLUMNS = ("Time", "Command", "Table", "Key", "Column", "Old", "New", "Note")


def changelog_rows(changes: Changeset, db, now: dt.datetime | None = None) -> list[dict]:
    """ChangeLog rows (column key -> value) for the data changes of ``changes``."""
    return [dict(zip(COLUMNS, values)) for values in
            zip(*changelog_columns(changes, db, now).values())]


def changelog_columns(changes: Changeset, db, now: dt.datetime | None = None
                      ) -> dict[str, list]:
    """:func:`changelog_rows` as columns (column key -> a value per row): an import logs
    200,000 appended rows, a list per column rather than a dict per row."""
    now = (now or dt.datetime.now()).replace(microsecond=0)
    schema = db.schema
    columns: dict[str, list] = {k: [] for k in COLUMNS}

    def title(table: str) -> str:
        try:
            return schema.table(table).title(db.lang)
        except KeyError:
            return table

    def header(table: str, column: str) -> str:
        tf = db.tables.get(table)
        if tf is not None and column in tf.headers:
            return tf.headers[column]
        try:
            return schema.table(table).column(column).label(db.lang)
        except KeyError:
            return column

    def mask_kind(table: str, column: str) -> str | None:
        try:
            return schema.table(table).column(column).mask
        except KeyError:
            return None

    def id_column(table: str) -> str | None:
        try:
            return schema.table(table).id_column
        except KeyError:
            return None

    def add(count: int, table: str, keys: list, column, old, new, notes) -> None:
        """``count`` rows of ``table``: a list holds a value per row, anything else is every
        row's."""
        for k, v in (("Time", now), ("Command", changes.command), ("Table", title(table)),
                     ("Key", keys), ("Column", column), ("Old", old), ("New", new),
                     ("Note", notes)):
            columns[k] += v if isinstance(v, list) else [v] * count

    record_key = _RecordKeys(db)
    for u in changes.updates:
        kind = mask_kind(u.table, u.column)
        add(1, u.table, [record_key(u.table, u.row)], [header(u.table, u.column)],
            [_logged(u.old, kind)], [_logged(u.new, kind)], [u.note])
    for a in changes.appends:
        id_col = id_column(a.table)
        key = a.values.get(id_col, "") if id_col else ""
        add(1, a.table, ["" if is_blank(key) else str(key)], "", "", "+", [a.note])
    for block in changes.column_appends:
        ids = block.columns.get(id_column(block.table) or "", [None] * len(block))
        add(len(block), block.table, ["" if is_blank(key) else str(key) for key in ids],
            "", "", "+", block.notes)
    for r in changes.removals:
        add(1, r.table, [r.key or record_key(r.table, r.row)], "", "-", "", [r.note])
    return columns
