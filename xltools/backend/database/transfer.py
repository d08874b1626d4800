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


def _kept(other: dict | None) -> str:
    """Kept values as comparable text ("" for none)."""
    return json.dumps(other, sort_keys=True, default=str, ensure_ascii=False) if other else ""


def _match_keys(ids: list, sigs: list[tuple]) -> list[tuple]:
    """Per row: (ID, n) for the n-th row with that ID, or ("", signature, n) without an ID."""
    seen: Counter = Counter()
    keys = []
    for value, sig in zip(ids, sigs):
        key = (str(value).strip(),) if not is_blank(value) else ("", sig)
        seen[key] += 1
        keys.append((*key, seen[key]))
    return keys


def _push_table(conn: Connection, target: DatabaseBackend, table: SchemaTable,
                df: pd.DataFrame) -> dict[str, int]:
    """One table: rows compared as tuples of their SQL values (the database's as stored, the
    book's as they would be stored), so unchanged rows cost no decoding and no write."""
    sql = target.md.tables[sql_table_name(table)]
    codec = RowCodec(table, column_names(table))
    cols, others = codec.encode_columns(df)
    names = sorted(cols)
    if table.key in REPLACED_ON_PUSH:
        conn.execute(delete(sql))
        _insert(conn, sql, cols, others, range(len(df)), list(df.index))
        return {"inserted": len(df)}
    book_sigs = list(zip(*(cols[n] for n in names), map(_kept, others)))
    id_key = table.id_column
    id_col = codec.names[id_key] if id_key else None
    stmt = select(sql.c[ROW_ID], *(sql.c[n] for n in names), sql.c[OTHER]).order_by(sql.c[ROW_ID])
    have_ids, have_rows, have_sigs = [], [], []
    for r in conn.execute(stmt):
        have_rows.append(r[0])
        have_sigs.append((*r[1:-1], _kept(r[-1])))
        if id_col:
            value = r[1 + names.index(id_col)]
            have_ids.append(value if value is not None else (r[-1] or {}).get(id_key))
    if not id_col:
        have_ids = [None] * len(have_rows)
    book_ids = df[id_key].tolist() if id_key else [None] * len(df)
    have_at = dict(zip(_match_keys(have_ids, have_sigs), zip(have_rows, have_sigs)))
    new, changed = [], []
    for i, (key, sig) in enumerate(zip(_match_keys(book_ids, book_sigs), book_sigs)):
        found = have_at.pop(key, None)
        if found is None:
            new.append(i)
        elif found[1] != sig:
            changed.append({**{f"v_{n}": cols[n][i] for n in names},
                            "b_rid": int(found[0]), "b_other": others[i] or None})
    _insert(conn, sql, cols, others, new, list(df.index) if not have_rows else None)
    if changed:
        conn.execute(update(sql).where(sql.c[ROW_ID] == _bind("b_rid")).values(
            {**{n: _bind(f"v_{n}", sql.c[n].type) for n in names},
             OTHER: _bind("b_other", sql.c[OTHER].type), ROW_VERSION: sql.c[ROW_VERSION] + 1}),
            changed)
    return {"inserted": len(new), "updated": len(changed),
            "unchanged": len(df) - len(new) - len(changed), "only_in_database": len(have_at)}


def _insert(conn: Connection, sql, cols: dict[str, list], others: list[dict], which,
            excel_rows: list[int] | None) -> None:
    """Insert rows ``which`` (positions) of the encoded columns; with ``excel_rows`` they keep
    their Excel row numbers as ``row_id`` (else the sequence numbers them). COPY on PostgreSQL."""
    which = list(which)
    if not which:
        return
    names = list(cols)
    ids = [int(excel_rows[i]) for i in which] if excel_rows is not None else None
    if conn.dialect.name == "postgresql":
        raw = conn.connection.dbapi_connection
        head = ([ROW_ID] if ids else []) + names + [OTHER]
        quoted = ", ".join(conn.dialect.identifier_preparer.quote(n) for n in head)
        columns = [cols[n] for n in names]
        with raw.cursor() as cur, cur.copy(f"COPY {sql.name} ({quoted}) FROM STDIN") as copy:
            for k, i in enumerate(which):
                row = [c[i] for c in columns]
                row.append(json.dumps(others[i], ensure_ascii=False) if others[i] else None)
                copy.write_row([ids[k], *row] if ids else row)
    else:
        params = []
        for k, i in enumerate(which):
            row = {n: cols[n][i] for n in names}
            row[OTHER] = others[i] or None
            if ids:
                row[ROW_ID] = ids[k]
            params.append(row)
        conn.execute(insert(sql), params)
    if ids:
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

