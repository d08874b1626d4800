"""Database URLs: which targets are databases, and how to connect without a password in sight.

A target is a database when it looks like a SQLAlchemy URL: ``sqlite:///team.db``,
``postgresql://alice@db.example.com/sales``, ``postgresql:///sales`` (host, user and port then
come from libpq's ``PGHOST``/``PGUSER``/``PGPORT``). PostgreSQL URLs use psycopg 3.

Credentials come only from the environment (``PGPASSWORD``) or ``~/.pgpass``, which libpq reads
itself: a URL that carries a password is refused, so a password never lands in a shell history,
a book, a report or a log. :func:`display_name` is what messages show.

>>> is_database_url("sqlite:///team.db"), is_database_url("team.xlsx")
(True, False)
>>> display_name("postgresql://alice@db.example.com:5433/sales")
'postgresql://alice@db.example.com:5433/sales'
>>> sqlalchemy_url("postgresql://alice@db/sales").drivername
'postgresql+psycopg'
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from ...errors import BadInputError

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.engine import URL

_URL = re.compile(r"^(sqlite|postgresql|postgres)(\+\w+)?://", re.IGNORECASE)


def is_database_url(target: object) -> bool:
    """True for ``sqlite://…`` and ``postgresql://…`` targets (a path to a book is not)."""
    return isinstance(target, str) and bool(_URL.match(target.strip()))


def sqlalchemy_url(target: str) -> URL:
    """The URL SQLAlchemy connects with: PostgreSQL through psycopg 3; a password refused."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(target.strip())
    except ArgumentError:
        raise BadInputError(f"无法识别的数据库地址:{_redact(target)}",
                            f"not a database URL: {_redact(target)}") from None
    if url.password is not None:
        raise BadInputError(
            "数据库地址里不能写密码:请用环境变量 PGPASSWORD 或 ~/.pgpass 提供密码",
            "a database URL must not hold a password: put it in PGPASSWORD or ~/.pgpass "
            "(so it never lands in a history, a book or a log)")
    backend = url.get_backend_name()
    if backend in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    elif backend != "sqlite":
        raise BadInputError(f"不支持的数据库:{backend}(支持 sqlite、postgresql)",
                            f"unsupported database: {backend} (sqlite and postgresql are)")
    return url


def _redact(target: str) -> str:
    """A URL for a message, with any password replaced."""
    return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", str(target))


def display_name(target: str) -> str:
    """The URL as messages and the ChangeLog may show it: never a password."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(target.strip()).render_as_string(hide_password=True)
    except ArgumentError:
        return _redact(target)


def side_path(target: str) -> Path:
    """Where files that belong beside a book go for this database (the vault of masked values,
    the monthly report): beside an SQLite file, or ``./<database name>`` for a server."""
    url = sqlalchemy_url(target)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database)
    return Path(url.database or "xltools-db")


def make_engine(target: str) -> Engine:
    """An engine for ``target``. SQLite gets foreign keys on and waits for a busy file; its
    transactions take the write lock when they start (``BEGIN IMMEDIATE``), so two writers
    queue instead of failing halfway."""
    from sqlalchemy import create_engine, event

    url = sqlalchemy_url(target)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn, _record):
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            dbapi_conn.execute("PRAGMA foreign_keys = ON")

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True)
