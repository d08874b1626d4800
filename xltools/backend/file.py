"""The file backend: load a workbook file, apply changesets to it in place, safely.

``FileBackend(path).load()`` reads every managed table with python-calamine
(:mod:`xltools.backend.load`). ``apply(changes, db)`` never re-saves the book through a library
that models only part of it (openpyxl would drop charts, images, x14 validations, slicers, VBA
...): :class:`~xltools.backend.writer.BookWriter` rewrites only the parts it owns and every other
zip member is copied as its raw compressed bytes (:mod:`xltools.xlsx.zipcopy`). Around the write:
refuse while Excel/WPS holds the file, hold an inter-process lock, keep a backup, replace the
file atomically (:mod:`xltools.backend.safety`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from ..changes import Changeset
from ..db import CustomerDB
from ..errors import BadWorkbookError
from ..schema import Schema, load_schema
from ..xlsx.package import Package
from ..xlsx.zipcopy import write_package
from . import safety
from .load import load_book
from .writer import BookWriter


class FileBackend:
    """A workbook file (.xlsx/.xlsm) as the team's database."""

    def __init__(self, path: str | Path, command: str = "", schema: Schema | None = None, *,
                 backups: bool = True):
        """``backups=False`` skips the per-apply backup: for a working copy that the caller
        backs up and swaps in once (:func:`xltools.backend.transaction.working_copy`)."""
        self.path = Path(path)
        self.command = command
        self.schema = schema or load_schema()
        self.backups = backups

    def load(self) -> CustomerDB:
        """Every managed table as a DataFrame indexed by Excel row number, plus the book's
        Lists, Settings and language; unreadable cells are listed in ``db.load_issues``.

        A book open in Excel/WPS is refused here already: what is on disk may not be what the
        person sees, and a command that writes could not save anyway."""
        if not self.path.exists():
            raise BadWorkbookError(f"找不到工作簿:{self.path}", f"workbook not found: {self.path}",
                                   path=str(self.path))
        safety.check_not_locked(self.path)
        return load_book(self.path, self.schema)

    def apply(self, changes: Changeset, db: CustomerDB, now: dt.datetime | None = None
              ) -> dict[str, Any]:
        """Apply ``changes`` to the file; return what was done (counts and the backup path)."""
        safety.check_not_locked(self.path)
        with safety.book_lock(self.path):
            backup = safety.make_backup(self.path, keep=db.setting("BackupCount")) \
                if self.backups else None
            report: dict[str, Any] = {}

            def write(tmp: Path) -> None:
                with Package(self.path) as pkg:
                    writer = BookWriter(pkg, db, now)
                    report.update(writer.apply(changes))
                    parts = writer.changed_parts()
                    write_package(self.path, tmp, parts.changed, parts.added)

            safety.atomic_write(self.path, write)
        report["backup"] = str(backup) if backup else None
        return report
