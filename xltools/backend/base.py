"""The Backend contract every store of a team's database keeps: a workbook file, the workbook
open in Excel, a database server.

Operations never see a backend: they get a :class:`~xltools.db.CustomerDB` and return a
:class:`~xltools.changes.Result`. The runner (``xltools.Book``, the CLI, the ribbon, the monthly
batch) loads through a backend, runs the operation and hands its changeset back::

    db = backend.load()
    result = operation(db, ctx, ...)
    report = backend.apply(result.changes, db)
    db = backend.reload(db, result.changes)    # the book as it is now, for the next step
    with backend.batch(commit=not dry_run) as unit:   # a pipeline's steps, as one unit
        ...

:func:`xltools.backend.open_backend` picks the backend for a target the CLI was given.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import Any, Protocol, runtime_checkable

from ..changes import Changeset
from ..db import CustomerDB


@runtime_checkable
class Backend(Protocol):
    """What a store of the team's database must do."""

    #: What messages call the store (a path, "Excel: 客户.xlsx", a database URL without password).
    name: str
    #: The operation now writing (set by the runner), named in the book's history and backups.
    command: str

    def load(self, *, only: Iterable[str] | None = None) -> CustomerDB:
        """Every managed table as a DataFrame, plus the book's Lists, Settings and language.
        ``only``: the tables the caller will read; a backend may read the others when first
        looked at instead of now (:class:`~xltools.db.LazyTables`), or read them all anyway."""

    def apply(self, changes: Changeset, db: CustomerDB, now: dt.datetime | None = None
              ) -> dict[str, Any]:
        """Write ``changes`` (computed against ``db``) in one step, or refuse before writing;
        log data changes in the ChangeLog; return what was done (counts, backup ...)."""

    def reload(self, db: CustomerDB, changes: Changeset) -> CustomerDB:
        """The store as it is after ``apply(changes, db)``; may reuse the tables ``changes`` did
        not touch from ``db``."""

    def batch(self, *, commit: bool = True) -> AbstractContextManager["Backend"]:
        """A backend whose applies land together when the block ends cleanly and ``commit`` is
        true, and not at all otherwise (a working copy, a database transaction). A pipeline
        (the monthly batch) runs its steps through it. Such a backend may also offer
        ``last_write()``, a hint that the next apply is the block's last (nothing reads what
        it writes before the block ends: the file backend deflates its big sheets at once)."""
