"""The database backend: the Backend contract on SQLite or PostgreSQL, through SQLAlchemy Core.

``DatabaseBackend("postgresql://alice@db/sales").load()`` gives the same CustomerDB a workbook
loads into (rows indexed by ``row_id``); ``apply(changes, db)`` writes the changeset in one
transaction and refuses, row by row, what someone else changed since ``db`` was loaded (see
:mod:`.apply`). ``batch()`` runs several steps (the monthly run) in one transaction that commits
at the end, or rolls back for a dry run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, Engine, inspect
from sqlalchemy.exc import DBAPIError, OperationalError

from ...changes import Changeset
from ...db import CustomerDB
from ...errors import XlToolsError
from ...schema import Schema, load_schema
from .apply import Applier
from .ddl import META, SCHEMA_VERSION, build_metadata
from .load import load_db, read_meta
from .url import display_name, make_engine, side_path


class DatabaseBackend:
    """A database (SQLite file or PostgreSQL server) as the team's database."""

    def __init__(self, url: str, command: str = "", schema: Schema | None = None, *,
                 engine: Engine | None = None):
        self.url = url
        self.command = command
        self.schema = schema or load_schema()
        self.engine = engine or make_engine(url)
        self.md = build_metadata(self.schema)
        self._conn: Connection | None = None   # held during batch()

    @property
    def name(self) -> str:
        return display_name(self.url)

    # ------------------------------------------------------------------ connections

    @contextlib.contextmanager
    def connect(self) -> Iterator[Connection]:
        """A transaction: the batch's when one is open, else a new one committed on success."""
        if self._conn is not None:
            yield self._conn
            return
        try:
            with self.engine.begin() as conn:
                yield conn
        except OperationalError as err:
            raise _unreachable(self.name, err) from None

    @contextlib.contextmanager
    def batch(self, commit: bool = True) -> Iterator[DatabaseBackend]:
        """Every load and apply inside runs in one transaction: committed when the block ends
        (and ``commit``), rolled back on an error or a dry run."""
        try:
            conn = self.engine.connect()
        except OperationalError as err:
            raise _unreachable(self.name, err) from None
        trans = conn.begin()
        self._conn = conn
        try:
            yield self
            if commit:
                trans.commit()
            else:
                trans.rollback()
        except BaseException:
            trans.rollback()
            raise
        finally:
            self._conn = None
            conn.close()

    # ------------------------------------------------------------------ the contract

    def load(self, *, reuse: CustomerDB | None = None,
             reread: set[str] | frozenset[str] = frozenset(), only=None) -> CustomerDB:
        """Every table of the database (whatever ``only`` names); ``reuse``/``reread``: only
        some read again (see :meth:`reload`)."""
        with self.connect() as conn:
            self.check_ready(conn)
            return load_db(conn, self.md, self.schema, reuse=reuse, reread=reread,
                           path=side_path(self.url))

    def reload(self, db: CustomerDB, changes: Changeset) -> CustomerDB:
        """The tables ``changes`` touched (and the ChangeLog) read again; the others from ``db``."""
        touched = changes.tables()
        if changes.data_changes():
            touched.add("ChangeLog")
        return self.load(reuse=db, reread=touched)

    def apply(self, changes: Changeset, db: CustomerDB, now: dt.datetime | None = None
              ) -> dict[str, Any]:
        """Write ``changes`` in one transaction; rows changed since ``db`` was loaded are left
        alone and listed in ``report["conflicts"]``."""
        with self.connect() as conn:
            self.check_ready(conn)
            return Applier(conn, self.md, db).apply(changes, now)

    # ------------------------------------------------------------------ checks

    def check_ready(self, conn: Connection) -> None:
        """Refuse a database ``db init`` has not made, or made by an older xltools."""
        try:
            has_meta = inspect(conn).has_table(META)
            version = int(read_meta(conn, self.md).get("schema_version") or 0) if has_meta else 0
        except DBAPIError as err:
            raise _unreachable(self.name, err) from None
        if not has_meta:
            raise XlToolsError(
                f"数据库 {self.name} 里还没有 xltools 的表:请先运行 xltools db init",
                f"the database {self.name} has no xltools tables: run `xltools db init` first")
        if version < SCHEMA_VERSION:
            raise XlToolsError(
                f"数据库的结构版本较旧({version}):请运行 xltools db init 升级",
                f"the database's schema is older (version {version}): run `xltools db init` "
                "to migrate it")


def _unreachable(name: str, err: Exception) -> XlToolsError:
    """A connection failure as one line, without the driver's full text (it can echo a DSN)."""
    detail = str(getattr(err, "orig", err)).strip().splitlines()
    first = detail[0][:200] if detail else type(err).__name__
    return XlToolsError(f"无法连接数据库 {name}:{first}", f"cannot use the database {name}: {first}")
