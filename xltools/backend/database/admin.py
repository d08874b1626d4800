"""``xltools db init``: create the tables, migrate an older database forward, and optionally give
each member's PostgreSQL role only their own customers.

Migration is additive and safe to repeat: tables and columns ``schemas/`` gained since the
database was made are created (``ALTER TABLE … ADD COLUMN``), indexes likewise; nothing is
dropped or rewritten. The schema version and the team's language are kept in ``xlt_meta``.

Per-owner access (PostgreSQL row-level security): a member logs in with a role named as in the
Owner column (``CREATE ROLE "张三" LOGIN PASSWORD … IN ROLE xltools_member``) and sees only the
customers they own and the follow-ups, tags and opportunities of those; generated tables that
mix everyone's rows (issues, review, change log) show them nothing. The role that ran
``db init`` owns the tables and is not restricted.
"""

from __future__ import annotations

from sqlalchemy import Connection, insert, inspect, select, text
from sqlalchemy.schema import CreateColumn

from ...errors import XlToolsError
from ...schema import Schema
from .ddl import (
    LISTS,
    META,
    SCHEMA_VERSION,
    build_metadata,
    column_names,
    sql_table_name,
)

MEMBER_ROLE = "xltools_member"


def init_database(conn: Connection, schema: Schema, *, lang: str = "zh", strict: bool = False,
                  per_owner_access: bool = False) -> dict:
    """Create or migrate every table; return what was done."""
    md = build_metadata(schema, strict=strict, dialect=conn.dialect.name)
    insp = inspect(conn)
    existing = set(insp.get_table_names())
    created = [t.name for t in md.sorted_tables if t.name not in existing]
    md.create_all(conn, checkfirst=True)
    added = []
    for table in md.sorted_tables:
        if table.name not in existing:
            continue
        have = {c["name"] for c in insp.get_columns(table.name)}
        for col in table.columns:
            if col.name not in have:
                ddl = CreateColumn(col).compile(dialect=conn.dialect)
                conn.execute(text(f"ALTER TABLE {_quote(conn, table.name)} ADD COLUMN {ddl}"))
                added.append(f"{table.name}.{col.name}")
        indexes = {i["name"] for i in insp.get_indexes(table.name)}
        for index in table.indexes:
            if index.name not in indexes:
                index.create(conn)
    meta = md.tables[META]
    found = dict(conn.execute(select(meta.c.key, meta.c.value)).all())
    before = int(found.get("schema_version") or 0)
    if before > SCHEMA_VERSION:
        raise XlToolsError(
            f"数据库的结构版本({before})比本程序({SCHEMA_VERSION})新:请升级 xltools",
            f"the database's schema version ({before}) is newer than this xltools "
            f"({SCHEMA_VERSION}): upgrade xltools")
    _set_meta(conn, md, "schema_version", str(SCHEMA_VERSION))
    if "lang" not in found:
        _set_meta(conn, md, "lang", lang)
    if not conn.execute(select(md.tables[LISTS].c.list_key).limit(1)).first():
        conn.execute(insert(md.tables[LISTS]), [
            {"list_key": lst.key, "position": i, "value": v}
            for lst in schema.lists for i, v in enumerate(lst.values)])
    if per_owner_access:
        enable_per_owner_access(conn, schema)
    return {"created": created, "added_columns": added, "from_version": before,
            "schema_version": SCHEMA_VERSION, "per_owner_access": per_owner_access}


def _set_meta(conn: Connection, md, key: str, value: str) -> None:
    meta = md.tables[META]
    conn.execute(meta.delete().where(meta.c.key == key))
    conn.execute(insert(meta), [{"key": key, "value": value}])


def _quote(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


def enable_per_owner_access(conn: Connection, schema: Schema) -> None:
    """Row-level security on PostgreSQL: members (roles in ``xltools_member``) see their own
    customers only."""
    if conn.dialect.name != "postgresql":
        raise XlToolsError("按负责人分权(--per-owner-access)需要 PostgreSQL",
                           "--per-owner-access needs PostgreSQL (row-level security)")
    q = lambda name: _quote(conn, name)
    exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"),
                          {"r": MEMBER_ROLE}).first()
    if not exists:
        conn.execute(text(f"CREATE ROLE {q(MEMBER_ROLE)} NOLOGIN"))
    customers = schema.table("Customers")
    cust_sql = sql_table_name(customers)
    cust_names = column_names(customers)
    mine = f"{q(cust_names['Owner'])} = current_user"
    for table in schema.tables:
        name = sql_table_name(table)
        names = column_names(table)
        if table.key in ("Rules", "Settings"):
            conn.execute(text(f"GRANT SELECT ON {q(name)} TO {q(MEMBER_ROLE)}"))
            continue
        conn.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {q(name)} TO {q(MEMBER_ROLE)}"))
        if table.key == "Customers" or (table.key == "Archive" and "Owner" in names):
            policy = mine
        elif "CustomerID" in names and table.key != "Review":
            policy = (f"{q(names['CustomerID'])} IN (SELECT {q(cust_names['CustomerID'])} "
                      f"FROM {q(cust_sql)})")  # the customers table's own policy applies here
        elif table.key == "ChangeLog":
            policy = "false"  # everyone's changes with their values: not a member's to read
            conn.execute(text(f"DROP POLICY IF EXISTS xlt_member_append ON {q(name)}"))
            conn.execute(text(f"CREATE POLICY xlt_member_append ON {q(name)} FOR INSERT "
                              f"TO {q(MEMBER_ROLE)} WITH CHECK (true)"))
        else:
            policy = "false"
        conn.execute(text(f"ALTER TABLE {q(name)} ENABLE ROW LEVEL SECURITY"))
        conn.execute(text(f"DROP POLICY IF EXISTS xlt_member ON {q(name)}"))
        conn.execute(text(f"CREATE POLICY xlt_member ON {q(name)} FOR ALL TO {q(MEMBER_ROLE)} "
                          f"USING ({policy}) WITH CHECK ({policy})"))
    for own in (META, LISTS):
        conn.execute(text(f"GRANT SELECT ON {q(own)} TO {q(MEMBER_ROLE)}"))
    conn.execute(text("GRANT SELECT, INSERT, UPDATE, DELETE ON xlt_sheets, xlt_marks "
                      f"TO {q(MEMBER_ROLE)}"))
    conn.execute(text(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {q(MEMBER_ROLE)}"))
