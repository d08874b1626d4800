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

import contextlib
import datetime as dt
from dataclasses import replace
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..changes import Changeset
from ..db import CustomerDB, LazyTables
from ..errors import BadWorkbookError, BookLockedError
from ..heap import paused
from ..schema import Schema, load_schema
from ..xlsx.extent import carry_over
from ..xlsx.package import Package
from ..xlsx.zipcopy import deflate_stored, update_package, write_package
from . import history, safety
from .load import load_book, read_lazily
from .patch import patched_tables
from .safety import DEFAULT_KEEP
from .privacy_pass import purge_backups, scrub_book
from .transaction import working_copy
from .writer import BookWriter


class FileBackend:
    """A workbook file (.xlsx/.xlsm) as the team's database."""

    # mask and validate may look at the whole package on disk (the Query sheet, formula caches):
    # it is the book itself here, not a stale copy of a workbook open in Excel
    package_on_disk = True

    def __init__(self, path: str | Path, command: str = "", schema: Schema | None = None, *,
                 backups: bool = True, stored: set[str] | None = None):
        """``backups=False`` skips the per-apply backup: for a working copy that the caller
        backs up and swaps in once (:func:`xltools.backend.transaction.working_copy`).
        ``stored``, for such a copy too: each write changes the file where it lies, appending
        the new parts (big ones stored uncompressed, their names added to this set); the caller
        deflates them once, and leaves out what they replaced, when it swaps the copy in
        (:meth:`batch`)."""
        self.path = Path(path)
        self.command = command
        self.schema = schema or load_schema()
        self.backups = backups
        self.stored = stored
        self._loaded: tuple[int, int] | None = None  # (mtime_ns, size) of the file as loaded
        self._keep = DEFAULT_KEEP                      # backups to keep: the book's BackupCount
        self._scanned: set[str] = set()  # sheet parts found free of far cells (see reload)
        self.purge_requested = False  # a mask was saved: backups taken before it must go
        self._logged = False          # the last apply wrote ChangeLog rows (see reload)
        self._scrubbed = 0            # cells the last apply's privacy pass masked (see reload)
        self._last = False            # the next apply is a working copy's last (see last_write)

    @property
    def name(self) -> str:
        return str(self.path)

    def load(self, *, reuse: CustomerDB | None = None,
             reread: set[str] | frozenset[str] = frozenset(),
             only: Iterable[str] | None = None) -> CustomerDB:
        """Every managed table as a DataFrame indexed by Excel row number, plus the book's
        Lists, Settings and language; unreadable cells are listed in ``db.load_issues``.
        ``reuse``/``reread``: read only some tables again (see :meth:`reload`). ``only``: the
        tables to read now; the others are read from the file when first looked at, and refused
        (:class:`~xltools.errors.BookLockedError`) if it changed meanwhile.

        A book open in Excel/WPS is refused here already: what is on disk may not be what the
        person sees, and a command that writes could not save anyway."""
        if not self.path.exists():
            raise BadWorkbookError(f"找不到工作簿:{self.path}", f"workbook not found: {self.path}",
                                   path=str(self.path))
        safety.check_not_locked(self.path)
        stat = self.path.stat()
        if reuse is None:               # a fresh look at a file anyone may have saved
            self._scanned = set()
        with paused():                  # (no collection walks the rows as they are made)
            db = load_book(self.path, self.schema, reuse=reuse, reread=reread,
                           scanned=self._scanned, only=only,
                           check=self._check_unchanged_since_load)
        self._loaded = (stat.st_mtime_ns, stat.st_size)
        self._keep = db.setting("BackupCount")
        return db

    def reload(self, db: CustomerDB, changes: Changeset) -> CustomerDB:
        """The book as it is after ``apply(changes, db)``, reading again only the tables
        ``changes`` touched (and the ChangeLog it logged them in); the others come from ``db``,
        which must not have been changed in memory. Several steps in a row (the monthly batch)
        thus read a 500,000-row follow-up table once, not once per step; nor is a sheet scanned
        for far cells again (:mod:`xltools.xlsx.extent`) once found clean: only this backend
        wrote it since."""
        touched = changes.tables()
        if changes.data_changes() or self._logged:   # (a rebuilt sheet's cut texts are logged)
            touched.add("ChangeLog")
        if not (touched or changes.list_additions or changes.scrub_package):
            # marks, rebuilt sheets (no table lives on them): every table and list reads as it
            # did, so the book is not opened again (0.6 s for the shared strings of a big book)
            return db
        if changes.list_additions or self._scrubbed:   # the Lists, cells outside the updates
            return self.load(reuse=db, reread=touched)
        return self._patched(db, changes, touched)

    def _patched(self, db: CustomerDB, changes: Changeset, touched: set[str]) -> CustomerDB:
        """:meth:`reload` without reading what the step set itself: tables it only updated are
        patched in memory where that equals a re-read (:mod:`xltools.backend.patch`); the others
        it touched are read again when something first looks at one of them, all at once (the
        monthly batch's tag step appends to Tags, dedupe rebuilds Review: one reading of the book
        for both, when validate looks at them, not one after each step)."""
        only_updated = touched - changes.tables(cells=False) - {"ChangeLog"}
        patched = {k: t for k, t in patched_tables(
            db, [u for u in changes.updates if u.table in only_updated], db.load_issues).items()
            if t is not None}
        lazy = isinstance(db.tables, LazyTables)
        stale = touched - set(patched)
        tables = {k: t for k, t in {**(db.tables.loaded if lazy else db.tables),
                                    **patched}.items() if k not in stale}
        pending = (set(db.tables.pending) if lazy else set()) | stale
        # (the ChangeLog is read alone, if ever: no step of a batch looks at it)
        together = (db.tables.together if lazy else set()) | (stale - {"ChangeLog"})
        new = replace(db, load_issues=[i for i in db.load_issues if i.table not in pending])
        new.tables = read_lazily(new, tables, pending, self.path, self._scanned,
                                 self._check_unchanged_since_load, together)
        return new

    def apply(self, changes: Changeset, db: CustomerDB, now: dt.datetime | None = None
              ) -> dict[str, Any]:
        """Apply ``changes`` to the file; return what was done (counts and the backup path)."""
        safety.check_not_locked(self.path)
        with safety.book_lock(self.path):
            self._check_unchanged_since_load()
            report: dict[str, Any] = {}

            def write(target: Path) -> None:
                with Package(self.path) as pkg:
                    writer = BookWriter(pkg, db, now)
                    report.update(writer.apply(changes))
                    self._logged = bool(report.get("logged"))
                    self._scrubbed = 0
                    parts = writer.changed_parts()
                    if changes.scrub_package:
                        report["scrubbed"] = scrub_book(pkg, parts, db.schema).total
                        self._scrubbed = report["scrubbed"]
                    if self.stored is None:
                        write_package(self.path, target, parts.changed, parts.added)
                    else:           # a batch's working copy: written where it lies
                        self.stored |= update_package(self.path, parts.changed, parts.added,
                                                      store_big=not self._last)
                    carry_over(pkg, target, parts.changed)

            if self.backups:  # keeps the state found and the new one, for undo
                backup = history.commit(self.path, self.command or "write", write,
                                        keep=db.setting("BackupCount"))
            else:
                backup = None
                if self.stored is None:
                    safety.atomic_write(self.path, write)
                else:       # (no one keeps a working copy a failed write leaves half done)
                    write(self.path)
            if changes.purge_backups and (changes.data_changes() or report.get("scrubbed")):
                # the kept states before this mask hold the raw values it just masked (a batch's
                # working copy has none: batch() purges the real book's)
                self.purge_requested = True
                report["backups_purged"] = purge_backups(self.path)
                backup = None
        report["backup"] = str(backup.path) if backup else None
        stat = self.path.stat()
        self._loaded = (stat.st_mtime_ns, stat.st_size)
        return report

    def last_write(self) -> None:
        """The next apply is the last of this batch's working copy (:meth:`batch`): nothing reads
        the parts it writes before the copy is swapped in, so its big ones are deflated as they
        are written, not stored to be read back and deflated at the swap. The monthly batch's
        marks rewrite the 100 MB customer and 200 MB follow-up sheets of a big book. A hint
        only: any apply after it is written as well, just slower."""
        self._last = self.stored is not None

    @contextlib.contextmanager
    def batch(self, *, commit: bool = True) -> Iterator["FileBackend"]:
        """Several applies as one unit (the monthly batch): they go to a private working copy that
        replaces the book, after one backup, when the block ends cleanly and ``commit`` is true.
        On an exception, or with ``commit=False`` (a dry run), the book stays as it was."""
        # Each step rewrites the big sheets it changed, and rewriting the package copied every
        # other one: the 100k-customer monthly batch spent seconds deflating and copying. The
        # copy gets only the new parts, big ones stored as they are; the swap writes the book
        # once, each stored sheet deflated, what the steps replaced left out.
        stored: set[str] = set()
        with working_copy(self.path, commit=commit, keep=self._keep,
                          command=self.command or "batch", loaded=self._loaded,
                          finish=lambda copy, new: deflate_stored(copy, new, stored)) as copy:
            unit = FileBackend(copy, self.command, self.schema, backups=False, stored=stored)
            # the copy is the book as loaded, byte for byte (working_copy checks): the sheets
            # this load found free of far cells need no second scan in the unit's reloads
            unit._scanned = set(self._scanned)
            yield unit
        if commit and unit.purge_requested:
            # the batch masked: the kept states of the book before it hold raw data
            with safety.book_lock(self.path):
                purge_backups(self.path)

    def _check_unchanged_since_load(self) -> None:
        """Refuse to write over a book someone saved after we read it: our row numbers would be
        stale and their changes lost (two commands started at once: the second one refuses)."""
        if self._loaded is None:
            return
        stat = self.path.stat()
        if (stat.st_mtime_ns, stat.st_size) != self._loaded:
            raise BookLockedError(
                "工作簿在读取之后被其他程序修改过,为避免覆盖他人的修改,本次未写入;请重新运行",
                "the workbook changed after it was read; nothing was written so no one's changes "
                "are lost; run the command again", path=str(self.path))
