"""The database's tables, made from ``schemas/`` like the template's sheets are.

Every table of ``tables.yaml`` becomes one SQL table with snake_case names (``tblFollowUps`` ->
``follow_ups``, ``CustomerID`` -> ``customer_id``) and columns typed by the schema (date ->
DATE, datetime -> TIMESTAMP, number -> DOUBLE, integer -> BIGINT, the rest TEXT). Three columns
of our own sit on every table:

* ``row_id``: the stable row index (a surrogate key; a push gives a record its Excel row number,
  so messages point at the same row in the book and in the database);
* ``row_version``: raised by every change, so a writer can tell that a row changed under it;
* ``other_values``: JSON for what a typed column cannot hold as typed (a date cell reading
  "下周三", a number typed as text) and for columns the team added: a workbook is messy, and
  the database keeps every value as the book had it; ``validate`` reports them.

Constraints SQL can say: primary keys, ``row_version >= 1``, and with ``strict`` the schema's
data rules too (required -> a value, typed or kept in other_values; unique IDs, foreign keys to the customer ID, ``min``
checks). Strict is off by default: a team's book holds duplicates and dangling IDs that only
``validate``/``merge`` sort out, and the database must be able to hold the book as it is.
Indexes cover the lookups the routines do (customer ID, owner, follow-up dates).
"""

from __future__ import annotations

import re

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Double,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
)

from ...schema import Schema
from ...schema import Table as SchemaTable

#: Raised when the tables change shape; ``db init`` migrates an older database forward.
SCHEMA_VERSION = 1

ROW_ID, ROW_VERSION, OTHER = "row_id", "row_version", "other_values"
OWN_COLUMNS = (ROW_ID, ROW_VERSION, OTHER)

META, LISTS, SHEETS, MARKS = "xlt_meta", "xlt_lists", "xlt_sheets", "xlt_marks"

_SQL_TYPES = {"date": Date, "datetime": DateTime, "number": Double, "integer": BigInteger}
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
# Columns the routines look rows up by (besides IDs, which get an index anyway).
_LOOKUPS = {"Owner", "NextFollowUpTime", "LastFollowUpTime", "FollowUpTime", "CustomerName"}


def snake(name: str) -> str:
    """``FollowUpID`` -> ``follow_up_id``; ``PhoneFP`` -> ``phone_fp``; ``tblTags`` -> ``tags``."""
    name = re.sub(r"^tbl", "", name)
    return _CAMEL.sub("_", name).lower()


def sql_table_name(table: SchemaTable) -> str:
    return snake(table.table_name)


def column_names(table: SchemaTable) -> dict[str, str]:
    """Schema column key -> SQL column name."""
    names = {c.key: snake(c.key) for c in table.columns}
    clash = set(names.values()) & set(OWN_COLUMNS)
    if clash or len(set(names.values())) != len(names):
        raise ValueError(f"{table.key}: column names clash in SQL: {sorted(clash) or names}")
    return names


def sql_type(col_type: str):
    return _SQL_TYPES.get(col_type, Text)


def _other_has(dialect: str, key: str) -> str:
    if dialect == "postgresql":
        return f"({OTHER} ->> '{key}') IS NOT NULL"
    return f"json_extract({OTHER}, '$.{key}') IS NOT NULL"


def build_metadata(schema: Schema, *, strict: bool = False, dialect: str = "sqlite") -> MetaData:
    """Every table of ``schema`` plus our own (meta, lists, rebuilt sheets, cell marks);
    ``dialect`` matters only for ``strict`` checks."""
    md = MetaData()
    ids = {t.key: (sql_table_name(t), snake(t.id_column)) for t in schema.tables if t.id_column}
    for table in schema.tables:
        name = sql_table_name(table)
        names = column_names(table)
        cols = [Column(ROW_ID, BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                       autoincrement=True),
                Column(ROW_VERSION, Integer, nullable=False, server_default="1")]
        extra = [CheckConstraint(f"{ROW_VERSION} >= 1", name=f"ck_{name}_row_version")]
        for col in table.columns:
            cols.append(Column(names[col.key], sql_type(col.type)))
            if strict and col.required:  # present as typed, or as kept in other_values
                extra.append(CheckConstraint(
                    f"{names[col.key]} IS NOT NULL OR {_other_has(dialect, col.key)}",
                    name=f"ck_{name}_{names[col.key]}_required"))
            if strict and col.unique:
                extra.append(UniqueConstraint(names[col.key], name=f"uq_{name}_{names[col.key]}"))
            if strict and col.min is not None and col.is_numeric:
                extra.append(CheckConstraint(f"{names[col.key]} >= {float(col.min)!r}",
                                             name=f"ck_{name}_{names[col.key]}_min"))
            if strict and col.references in ids and col.references != table.key:
                target, target_col = ids[col.references]
                extra.append(ForeignKeyConstraint([names[col.key]], [f"{target}.{target_col}"],
                                                  name=f"fk_{name}_{names[col.key]}"))
            if col.key in _LOOKUPS or col.type == "id" and not (strict and col.unique):
                extra.append(Index(f"ix_{name}_{names[col.key]}", names[col.key]))
        cols.append(Column(OTHER, JSON(none_as_null=True), nullable=True))
        Table(name, md, *cols, *extra, comment=f"{table.table_name}: {table.zh} / {table.en}")
    Table(META, md, Column("key", Text, primary_key=True), Column("value", Text))
    Table(LISTS, md, Column("list_key", Text, primary_key=True),
          Column("position", Integer, primary_key=True), Column("value", Text, nullable=False))
    Table(SHEETS, md, Column("sheet", Text, primary_key=True), Column("content", JSON))
    Table(MARKS, md, Column("id", Integer, primary_key=True, autoincrement=True),
          Column("table_key", Text, nullable=False), Column("row_id", BigInteger),
          Column("column_key", Text), Column("severity", Text), Column("message", Text))
    return md
