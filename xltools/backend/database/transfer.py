"""``db push`` and ``db pull``: a loaded book into the database, the database into a new book.

:func:`push` is an upsert in one transaction. Records are matched by their ID (the n-th
``C20240315001`` of the book with the n-th of the database: a messy book may hold one twice),
rows without an ID by their whole content. New records are inserted (PostgreSQL: with COPY),
changed ones updated (their ``row_version`` raised), equal ones left alone, so pushing the same
book twice changes nothing. Rows only the database has are kept: the database may be the hub
other members push to. Into an empty table, records keep their Excel row numbers as ``row_id``,
so the database's messages point at the same rows as the book's. The generated Issues and
Review tables are replaced, as the commands that make them do.

:func:`pull` reads the database (optionally one owner's customers with their follow-ups, tags
and opportunities) into a CustomerDB; :func:`write_book` makes it a full workbook from the
template, with its dropdowns, highlights and the team's own Lists.

Both work from Python on a :class:`~xltools.db.CustomerDB` (team mode can use the database as
its hub); the CLI loads or saves the book through the file backend.
"""

from __future__ import annotations

import json
from collections import Counter
from types import SimpleNamespace
from typing import Any

import pandas as pd
from sqlalchemy import Connection, delete, insert, select, update

from ...core.normalize import is_blank
from ...db import CustomerDB
from ...schema import Table as SchemaTable
from .apply import _bind, sync_sequence
from .backend import DatabaseBackend
from .codec import RowCodec
from .ddl import LISTS, META, OTHER, ROW_ID, ROW_VERSION, column_names, sql_table_name
from .load import read_table

REPLACED_ON_PUSH = ("Issues", "Review")


def push(db: CustomerDB, target: DatabaseBackend) -> dict[str, Any]:
    """Upsert every table of ``db`` into ``target`` in one transaction; return counts per table."""
    report: dict[str, Any] = {"tables": {}}
    with target.connect() as conn:
        target.check_ready(conn)
        customers = target.md.tables[sql_table_name(db.schema.table("Customers"))]
        first_push = conn.execute(select(customers.c[ROW_ID]).limit(1)).first() is None
        for table in db.schema.tables:
            if table.key in db.tables:
                report["tables"][table.key] = _push_table(conn, target, table,
                                                          db.tables[table.key].df)
        _push_lists(conn, target.md, db.lists)
        if first_push:
            meta = target.md.tables[META]
            conn.execute(update(meta).where(meta.c.key == "lang").values(value=db.lang))
    for key in ("inserted", "updated", "unchanged", "only_in_database"):
        report[key] = sum(t.get(key, 0) for t in report["tables"].values())
    return report


def _encoded(codec: RowCodec, df: pd.DataFrame) -> list[tuple[dict, dict]]:
    return codec.encode_frame(df)


def _signature(row: dict, other: dict) -> tuple:
    """What a row holds, comparable and hashable (the SQL values, then the kept ones)."""
    kept = json.dumps(other, sort_keys=True, default=str, ensure_ascii=False) if other else ""
    return (*sorted(row.items()), kept)


def _match_keys(table: SchemaTable, df: pd.DataFrame, sigs: list[str]) -> list[tuple]:
    """Per row: (ID, n) for the n-th row with that ID, or ("", signature, n) without an ID."""
    seen: Counter = Counter()
    ids = df[table.id_column].tolist() if table.id_column else [None] * len(df)
    keys = []
    for value, sig in zip(ids, sigs):
        key = (str(value).strip(),) if not is_blank(value) else ("", sig)
        seen[key] += 1
        keys.append((*key, seen[key]))
    return keys


def _push_table(conn: Connection, target: DatabaseBackend, table: SchemaTable,
                df: pd.DataFrame) -> dict[str, int]:
    sql = target.md.tables[sql_table_name(table)]
    codec = RowCodec(table, column_names(table))
    book = _encoded(codec, df)
    if table.key in REPLACED_ON_PUSH:
        conn.execute(delete(sql))
        _insert(conn, sql, book, list(df.index))
        return {"inserted": len(book)}
    existing = read_table(conn, target.md, table, "zh", [])
    have = _encoded(codec, existing.df)
    have_sigs = [_signature(r, o) for r, o in have]
    book_sigs = [_signature(r, o) for r, o in book]
    have_at = dict(zip(_match_keys(table, existing.df, have_sigs),
                       zip(existing.df.index, have_sigs)))
    new_rows, new_ids, changed = [], [], []
    matched = 0
    for key, (row, other), sig, excel_row in zip(_match_keys(table, df, book_sigs), book,
                                                 book_sigs, df.index):
        found = have_at.get(key)
        if found is None:
            new_rows.append((row, other))
            new_ids.append(int(excel_row))
            continue
        matched += 1
        if found[1] != sig:
            changed.append({**{f"v_{c}": v for c, v in row.items()},
                            "b_rid": int(found[0]), "b_other": other or None})
    _insert(conn, sql, new_rows, new_ids if existing.df.empty else None)
    if changed:
        cols = [c for c in codec.names.values()]
        conn.execute(update(sql).where(sql.c[ROW_ID] == _bind("b_rid")).values(
            {**{c: _bind(f"v_{c}", sql.c[c].type) for c in cols},
             OTHER: _bind("b_other", sql.c[OTHER].type), ROW_VERSION: sql.c[ROW_VERSION] + 1}),
            changed)
    return {"inserted": len(new_rows), "updated": len(changed),
            "unchanged": matched - len(changed), "only_in_database": len(have) - matched}


def _insert(conn: Connection, sql, rows: list[tuple[dict, dict]], ids: list[int] | None) -> None:
    """Insert encoded rows; ``ids`` numbers them (else the sequence does). COPY on PostgreSQL."""
    if not rows:
        return
    names = [c.name for c in sql.c if c.name not in (ROW_ID, ROW_VERSION, OTHER)]
    if ids is not None:
        names = [ROW_ID, *names]
    records = []
    for i, (row, other) in enumerate(rows):
        values = [row.get(n) for n in names if n != ROW_ID]
        if ids is not None:
            values.insert(0, int(ids[i]))
        records.append((values, other or None))
    if conn.dialect.name == "postgresql":
        raw = conn.connection.dbapi_connection
        cols = ", ".join(conn.dialect.identifier_preparer.quote(n) for n in [*names, OTHER])
        with raw.cursor() as cur, cur.copy(f"COPY {sql.name} ({cols}) FROM STDIN") as copy:
            for values, other in records:
                copy.write_row([*values, None if other is None else json.dumps(
                    other, ensure_ascii=False)])
    else:
        conn.execute(insert(sql), [{**dict(zip(names, values)), OTHER: other}
                                   for values, other in records])
    if ids is not None:
        sync_sequence(conn, sql)


def _push_lists(conn: Connection, md, lists: dict[str, list[str]]) -> None:
    sql = md.tables[LISTS]
    current: dict[str, list[str]] = {}
    for key, value in conn.execute(select(sql.c.list_key, sql.c.value)
                                   .order_by(sql.c.list_key, sql.c.position)):
        current.setdefault(key, []).append(value)
    for key, values in lists.items():
        if current.get(key) == list(values):
            continue
        conn.execute(delete(sql).where(sql.c.list_key == key))
        if values:
            conn.execute(insert(sql), [{"list_key": key, "position": i, "value": str(v)}
                                       for i, v in enumerate(values)])


def pull(source: DatabaseBackend, owner: str | None = None) -> CustomerDB:
    """The database as a CustomerDB; with ``owner``, only that member's customers and what
    hangs off them (generated tables left empty: they mix everyone's rows)."""
    db = source.load()
    if owner is None:
        return db
    customers = db.tables["Customers"].df
    mine = customers[customers["Owner"].map(lambda v: str(v).strip() if v is not None else None)
                     == owner.strip()]
    ids = set(mine["CustomerID"].dropna().astype(str))
    for key, tf in db.tables.items():
        table = db.schema.table(key)
        if key == "Customers":
            tf.df = mine
        elif key in ("Rules", "Settings"):
            continue
        elif "CustomerID" in table.keys and not table.generated:
            tf.df = tf.df[tf.df["CustomerID"].astype(str).isin(ids)]
        else:
            tf.df = tf.df.iloc[0:0]
    return db


def write_book(db: CustomerDB, path) -> None:
    """A new workbook from the template holding ``db``'s tables and Lists."""
    from ...template import build_template

    frames = {key: tf.df[db.schema.table(key).keys].reset_index(drop=True)
              for key, tf in db.tables.items()}
    build_template(path, lang=db.lang, data=SimpleNamespace(frames=frames, lists=db.lists))

