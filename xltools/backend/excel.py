"""The live-Excel backend: read and change the workbook open in Excel, through xlwings.

``ExcelBackend(book)`` (``book = xw.Book.caller()`` from a ribbon button) keeps the contract of
the file backend::

    db = backend.load()                  # every managed table, one range read per table
    report = backend.apply(changes, db)  # written in blocks; the book is never saved

Tables are found by their ListObject names (``tblCustomers`` ...), never by sheet position.
Writes go in rectangular blocks (xlwings' maintainers measured 56 s to write cells one by one
against 0.4 s in blocks). During ``apply`` screen updating and calculation are off and the status
bar says what is happening; all three are restored whatever happens. Changes stay in Excel until
the person saves: Excel's own undo history is lost, so the ChangeLog sheet records each change.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .. import layout
from ..changes import Changeset
from ..db import CustomerDB, TableFrame
from ..errors import XlToolsError
from ..schema import Schema, Table, load_schema
from ..xlsx.refs import col_letter
from . import frames
from .changelog import changelog_rows
from .excel_cells import excel_value
from .excel_write import Writer

log = logging.getLogger(__name__)


class ExcelBackend:
    """Read and change an open workbook (an ``xlwings.Book``)."""

    def __init__(self, book: Any, schema: Schema | None = None):
        self.book = book
        self.schema = schema or load_schema()
        self.command = ""

    @property
    def name(self) -> str:
        return f"Excel: {getattr(self.book, 'name', '?')}"

    def reload(self, db: CustomerDB, changes: Changeset) -> CustomerDB:
        """The open book as it is now (read again whole: a live book may change any time)."""
        return self.load()

    @contextmanager
    def batch(self, *, commit: bool = True) -> Iterator["ExcelBackend"]:
        """Several applies as one unit: the open book itself (Excel's own undo and the person's
        save decide what stays); ``commit=False`` is refused, a live book has no private copy."""
        if not commit:
            raise XlToolsError("在 Excel 中打开的工作簿不能预览批处理,请在命令行使用 --dry-run",
                               "a batch cannot be previewed on a workbook open in Excel; use "
                               "--dry-run from the command line")
        yield self

    # ------------------------------------------------------------------ finding things

    def list_objects(self) -> dict[str, tuple[Any, Any]]:
        """ListObject name -> (sheet, table) for every table in the book."""
        found: dict[str, tuple[Any, Any]] = {}
        for sheet in self.book.sheets:
            for table in sheet.tables:
                found.setdefault(table.name, (sheet, table))
        return found

    def name_value(self, name: str) -> Any:
        """A workbook-level defined name's ``refers_to`` (``'="zh"'``), or None."""
        try:
            if not self.book.names.contains(name):
                return None
            return self.book.names[name].refers_to
        except Exception:  # noqa: BLE001 - a broken name reads as missing
            return None

    # ------------------------------------------------------------------ load

    def load(self, *, only=None) -> CustomerDB:
        """Every managed table as a DataFrame indexed by Excel row number, plus the book's Lists,
        Settings and language (all of them, whatever ``only`` names: one range read each)."""
        found = self.list_objects()
        customers = self.schema.table("Customers").table_name
        if customers not in found:
            raise XlToolsError(
                f"这个工作簿里没有客户表({customers}),不是 xltools 客户数据库",
                f"this workbook has no customer table ({customers}); it is not an xltools "
                "customer database")
        tables: dict[str, TableFrame] = {}
        for table in self.schema.tables:
            if table.table_name in found:
                sheet, lo = found[table.table_name]
                tables[table.key] = read_table(table, sheet, lo)
        lang = frames.lang_from_name(self.name_value(layout.LANG_NAME)) or \
            frames.detect_lang(tables, self.schema)
        for table in self.schema.tables:  # a table the book lacks loads empty; apply creates it
            if table.key not in tables:
                tables[table.key] = frames.empty_frame(table, lang)
        lists_grid = None
        if layout.LISTS_TABLE in found:
            _, lo = found[layout.LISTS_TABLE]
            lists_grid = lo.range.options(ndim=2).value
        return CustomerDB(path=self._path(), schema=self.schema, lang=lang, tables=tables,
                          lists=frames.lists_from_grid(self.schema, lists_grid),
                          settings=frames.settings_from_frame(self.schema, tables.get("Settings")
                                                              if "Settings" in tables else None))

    def _path(self) -> Path | None:
        """The book's file, when it is a saved local file (a new or cloud book has none)."""
        try:
            name = self.book.fullname
        except Exception:  # noqa: BLE001
            return None
        return Path(name) if name and os.path.isabs(name) else None

    # ------------------------------------------------------------------ apply

    def apply(self, changes: Changeset, db: CustomerDB) -> dict:
        """Apply ``changes`` to the open book; return what was done (counts and write calls).

        Order: marks (they name rows as loaded), cell updates, row removals (bottom up), row
        appends, table replacements, sheet rebuilds, then the ChangeLog rows.
        """
        if changes.list_additions:
            names = "、".join(v for values in changes.list_additions.values() for v in values)
            raise XlToolsError(f"在 Excel 中请直接在“字典”表的对应列输入新选项:{names}",
                               f"in Excel, type the new options into their column of the Lists "
                               f"sheet yourself: {names}")
        writer = Writer(self, db)
        steps = [("marks", changes.marks is not None), ("updates", bool(changes.updates)),
                 ("removals", bool(changes.removals)),
                 ("appends", bool(changes.appends or changes.column_appends)),
                 ("replaces", bool(changes.replaces)), ("rebuilds", bool(changes.rebuilds))]
        todo = [name for name, wanted in steps if wanted]
        with quiet_excel(self.book.app) as status:
            for n, step in enumerate(todo, start=1):
                status(_progress(db.lang, changes.command, step, n, len(todo) + 1))
                getattr(writer, step)(changes)
            rows = changelog_rows(changes, db)
            if rows:
                status(_progress(db.lang, changes.command, "changelog", len(todo) + 1,
                                 len(todo) + 1))
                writer.append_rows("ChangeLog", rows)
        return writer.report(changes, logged=len(rows))


def read_table(table: Table, sheet: Any, lo: Any) -> TableFrame:
    """One managed table, read in one call (header row included)."""
    rng = lo.range
    grid = rng.options(ndim=2).value
    ref = rng.address.replace("$", "")
    return frames.table_frame(table, grid or [], table_name=lo.name, sheet=sheet.name, ref=ref)


@contextmanager
def quiet_excel(app: Any) -> Iterator:
    """Screen updating and automatic calculation off, a status-bar message on; all restored on
    the way out, also after an error. Yields a function that sets the status-bar text."""
    saved = {}
    for attr in ("screen_updating", "calculation", "status_bar"):
        try:
            saved[attr] = getattr(app, attr)
        except Exception:  # noqa: BLE001 - e.g. no calculation while a dialog is open
            log.debug("cannot read app.%s", attr)
    try:
        if "screen_updating" in saved:
            app.screen_updating = False
        if "calculation" in saved:
            app.calculation = "manual"

        def status(text: str) -> None:
            try:
                app.status_bar = text
            except Exception:  # noqa: BLE001 - a status bar is a nicety
                log.debug("cannot set the status bar")

        yield status
    finally:
        for attr in ("calculation", "screen_updating", "status_bar"):
            if attr in saved:
                try:
                    setattr(app, attr, saved[attr])
                except Exception:
                    log.exception("could not restore app.%s", attr)


_STEP_LABEL = {"marks": ("标记问题单元格", "marking cells"), "updates": ("写入修改", "writing changes"),
               "removals": ("删除行", "removing rows"), "appends": ("追加行", "adding rows"),
               "replaces": ("重建结果表", "rebuilding result tables"),
               "rebuilds": ("重建工作表", "rebuilding sheets"),
               "changelog": ("记录变更日志", "writing the change log")}


def _progress(lang: str, command: str, step: str, n: int, total: int) -> str:
    zh, en = _STEP_LABEL[step]
    return f"xltools {command}: {zh if lang == 'zh' else en} ({n}/{total})…"


__all__ = ["ExcelBackend", "col_letter", "excel_value", "quiet_excel", "read_table"]
