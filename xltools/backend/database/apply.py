"""Write a :class:`~xltools.changes.Changeset` to the database in one transaction.

Rows are addressed by ``row_id`` (the DataFrame index the loader gave). Before anything is
written, the rows the changeset updates or removes are locked (``SELECT … FOR UPDATE`` on
PostgreSQL; SQLite's transaction holds the write lock from its start) and their ``row_version``
is compared with the one loaded: a row someone else changed or removed since is **refused**,
never overwritten, and reported in ``conflicts``; the rest is applied. Every value is a bound
parameter. The ChangeLog rows of what was applied go into the ``change_log`` table in the same
transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, text, update

from ...changes import Changeset, RowRemove
from ...db import CustomerDB
from ...schema import Schema
from ..changelog import changelog_rows
from .codec import RowCodec, encode_other
from .ddl import MARKS, OTHER, ROW_ID, ROW_VERSION, SHEETS, column_names, sql_table_name

_CHUNK = 5000


class Applier:
    def __init__(self, conn: Connection, md, db: CustomerDB):
        self.conn, self.md, self.db = conn, md, db
        self.schema: Schema = db.schema
        self.postgres = conn.dialect.name == "postgresql"
        self.counts = {"updated": 0, "removed": 0, "appended": 0, "replaced": 0, "rebuilt": 0,
                       "marked": 0}
        self.conflicts: list[dict[str, Any]] = []

    def sql(self, table_key: str):
        return self.md.tables[sql_table_name(self.schema.table(table_key))]

    def codec(self, table_key: str) -> RowCodec:
        table = self.schema.table(table_key)
        return RowCodec(table, column_names(table))

    # ------------------------------------------------------------------ the transaction's steps

    def apply(self, changes: Changeset, now: dt.datetime | None) -> dict[str, Any]:
        touched: dict[str, set[int]] = defaultdict(set)
        for item in (*changes.updates, *changes.removals):
            touched[item.table].add(int(item.row))
        current = {key: self.lock_rows(key, rows) for key, rows in touched.items()}
        refused: dict[str, set[int]] = {key: self.check_versions(key, rows, current[key])
                                        for key, rows in touched.items()}
        kept = Changeset(changes.command,
                         updates=[u for u in changes.updates if u.row not in refused[u.table]],
                         appends=list(changes.appends),
                         column_appends=list(changes.column_appends),
                         removals=[r for r in changes.removals if r.row not in refused[r.table]])
        self.updates(kept, current)
        if changes.list_additions:
            self.add_list_values(changes.list_additions)
        self.removals(kept.removals)
        for a in kept.appends:
            self.append_rows(a.table, [a.values])
        for block in kept.column_appends:
            self.append_rows(block.table, [a.values for a in block.rows()])
        self.counts["appended"] = len(kept.appends) + sum(map(len, kept.column_appends))
        for rep in changes.replaces:
            self.replace(rep.table, rep.rows)
        for rb in changes.rebuilds:
            self.rebuild(rb)
        if changes.marks is not None:
            self.marks(changes.marks)
        log = changelog_rows(kept, self.db, now)
        if log:
            self.append_rows("ChangeLog", log)
        return {"command": changes.command, **self.counts, "logged": len(log),
                "conflicts": self.conflicts}

    def add_list_values(self, additions: dict[str, list[str]]) -> None:
        """New dropdown options after the list's last one (the team's own lists table)."""
        from sqlalchemy import func, insert, select

        from .ddl import LISTS
        sql = self.md.tables[LISTS]
        added = 0
        for key, values in additions.items():
            have = set(self.db.lists.get(key) or [])
            last = self.conn.execute(select(func.max(sql.c.position))
                                     .where(sql.c.list_key == key)).scalar()
            if last is None:  # the list is still the schema's: store it before adding to it
                defaults = list(self.db.lists.get(key) or [])
                if defaults:
                    self.conn.execute(insert(sql), [{"list_key": key, "position": i, "value": v}
                                                    for i, v in enumerate(defaults)])
                last = len(defaults) - 1
            new = [v for v in dict.fromkeys(str(x).strip() for x in values) if v and v not in have]
            if new:
                self.conn.execute(insert(sql), [{"list_key": key, "position": last + 1 + i,
                                                 "value": v} for i, v in enumerate(new)])
                added += len(new)
        self.counts["options_added"] = added

    def lock_rows(self, key: str, rows: set[int]) -> dict[int, tuple[int, dict]]:
        """row_id -> (row_version, other_values) as committed now, the rows locked."""
        sql = self.sql(key)
        found: dict[int, tuple[int, dict]] = {}
        ids = sorted(rows)
        for start in range(0, len(ids), _CHUNK):
            stmt = select(sql.c[ROW_ID], sql.c[ROW_VERSION], sql.c[OTHER]) \
                .where(sql.c[ROW_ID].in_(ids[start:start + _CHUNK]))
            if self.postgres:
                stmt = stmt.with_for_update()
            for rid, version, other in self.conn.execute(stmt):
                found[rid] = (version, dict(other or {}))
        return found

    def check_versions(self, key: str, rows: set[int], current: dict) -> set[int]:
        """Rows whose version differs from the one loaded (or that are gone): refused."""
        loaded = getattr(self.db.tables[key], "row_versions", None) or {}
        refused = set()
        for row in sorted(rows):
            now = current.get(row)
            if now is not None and loaded.get(row) == now[0]:
                continue
            refused.add(row)
            self.conflicts.append({
                "table": key, "row": row, "key": _record_key(self.db, key, row),
                "reason": "removed" if now is None else "changed",
                "loaded_version": loaded.get(row), "current_version": None if now is None else now[0]})
        return refused

    def updates(self, changes: Changeset, current: dict) -> None:
        by_row: dict[tuple[str, int], dict[str, Any]] = defaultdict(dict)
        for u in changes.updates:
            by_row[(u.table, int(u.row))][u.column] = u.new
        batches: dict[tuple[str, tuple[str, ...]], list[dict]] = defaultdict(list)
        for (key, row), values in by_row.items():
            encoded, odd = self.codec(key).encode(values)
            other = dict(current[key][row][1])
            for col in values:
                other.pop(col, None)
            other.update(odd)
            params = {f"v_{c}": v for c, v in encoded.items()}
            params.update(b_rid=row, b_other=other or None)
            batches[(key, tuple(sorted(encoded)))].append(params)
        for (key, cols), params in batches.items():
            sql = self.sql(key)
            stmt = update(sql).where(sql.c[ROW_ID] == _bind("b_rid")).values(
                {**{c: _bind(f"v_{c}", sql.c[c].type) for c in cols},
                 OTHER: _bind("b_other", sql.c[OTHER].type),
                 ROW_VERSION: sql.c[ROW_VERSION] + 1})
            self.conn.execute(stmt, params)
            self.counts["updated"] += sum(len(p) - 2 for p in params)

    def removals(self, removals: list[RowRemove]) -> None:
        by_table: dict[str, list[int]] = defaultdict(list)
        for r in removals:
            by_table[r.table].append(int(r.row))
        for key, rows in by_table.items():
            sql = self.sql(key)
            for start in range(0, len(rows), _CHUNK):
                self.conn.execute(delete(sql).where(sql.c[ROW_ID].in_(rows[start:start + _CHUNK])))
            self.counts["removed"] += len(rows)

    def append_rows(self, key: str, rows: list[dict[str, Any]], *, first_id: int | None = None
                    ) -> None:
        """Insert rows (column key -> value); ``first_id`` numbers them explicitly."""
        if not rows:
            return
        codec, sql = self.codec(key), self.sql(key)
        params = []
        for i, values in enumerate(rows):
            encoded, other = codec.encode(values)
            if first_id is not None:
                encoded[ROW_ID] = first_id + i
            params.append({**{c.name: None for c in sql.c if c.name not in (ROW_ID, ROW_VERSION)},
                           **encoded, OTHER: other or None})
        self.conn.execute(insert(sql), params)
        if first_id is not None:
            sync_sequence(self.conn, sql)

    def replace(self, key: str, rows: list[dict[str, Any]]) -> None:
        """A generated table's every row anew, numbered like the table at A1 of its sheet."""
        self.conn.execute(delete(self.sql(key)))
        self.append_rows(key, rows, first_id=2)
        self.counts["replaced"] += 1

    def rebuild(self, rb) -> None:
        sql = self.md.tables[SHEETS]
        content = json.loads(json.dumps(
            {"title_zh": rb.title_zh, "title_en": rb.title_en,
             "rows": [[encode_other(v) for v in row] for row in rb.rows]}, default=str))
        self.conn.execute(delete(sql).where(sql.c.sheet == rb.sheet))
        self.conn.execute(insert(sql), [{"sheet": rb.sheet, "content": content}])
        self.counts["rebuilt"] += 1

    def marks(self, marks) -> None:
        """Cell marks as rows (the workbook's fills and notes; a pull could draw them)."""
        sql = self.md.tables[MARKS]
        self.conn.execute(delete(sql))
        if marks:
            self.conn.execute(insert(sql), [
                {"table_key": m.table, "row_id": int(m.row), "column_key": m.column,
                 "severity": m.severity, "message": m.message} for m in marks])
        self.counts["marked"] = len(marks)


def _bind(name: str, type_=None):
    from sqlalchemy import bindparam
    return bindparam(name, type_=type_)


def _record_key(db: CustomerDB, key: str, row: int) -> str:
    id_col = db.schema.table(key).id_column
    df = db.tables[key].df
    if id_col and row in df.index and df.at[row, id_col] is not None:
        return str(df.at[row, id_col])
    return f"#{row}"


def sync_sequence(conn: Connection, sql) -> None:
    """After rows were inserted with explicit ids, let PostgreSQL's sequence continue above them
    (SQLite's INTEGER PRIMARY KEY does so by itself)."""
    if conn.dialect.name != "postgresql":
        return
    top = conn.execute(select(func.max(sql.c[ROW_ID]))).scalar() or 0
    conn.execute(text("SELECT setval(pg_get_serial_sequence(:t, :c), :v, :called)"),
                 {"t": sql.name, "c": ROW_ID, "v": max(top, 1), "called": top > 0})
