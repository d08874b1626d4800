"""The database backend: the same operations on SQLite (embedded) or PostgreSQL (a server).

::

    from xltools.backend.database import DatabaseBackend, init, push, pull, write_book

    backend = DatabaseBackend("postgresql://alice@db.example.com/sales")
    db = backend.load()                      # the CustomerDB a workbook loads into
    report = backend.apply(changes, db)      # one transaction; conflicting rows refused

Modules: ``url`` (targets, credentials), ``ddl`` (tables from schemas/), ``admin`` (init,
migrate, per-owner access), ``codec`` (values), ``load``, ``apply``, ``transfer`` (push/pull).
This package never imports the file backend: the CLI loads and saves books, then hands
CustomerDBs over.
"""

from __future__ import annotations

from typing import Any

from .url import display_name, is_database_url

_LAZY = {"DatabaseBackend": "backend", "init_database": "admin", "push": "transfer",
         "pull": "transfer", "write_book": "transfer"}


def __getattr__(name: str) -> Any:
    """SQLAlchemy is imported when the database is used, not by ``xltools --help``."""
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(name)


def init(url: str, *, lang: str = "zh", strict: bool = False, per_owner_access: bool = False,
         schema=None) -> dict:
    """Create (or migrate forward) the tables of ``schemas/`` in the database at ``url``."""
    from ...schema import load_schema
    from .admin import init_database
    from .url import make_engine

    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            return init_database(conn, schema or load_schema(), lang=lang, strict=strict,
                                 per_owner_access=per_owner_access)
    finally:
        engine.dispose()


__all__ = ["DatabaseBackend", "display_name", "init", "init_database", "is_database_url", "pull",
           "push", "write_book"]
