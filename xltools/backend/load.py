"""Read a workbook file into a :class:`~xltools.db.CustomerDB`, fast.

The package model (:mod:`xltools.xlsx.package`) says where each managed table is (its sheet and
``ref``, found by table name); fastexcel reads each table's block of cells as Arrow columns
(:mod:`xltools.backend.columnar`), headers are matched to schema keys by zh label, en label or
key, and every column is converted once for its type (a date column of dates stays datetime64).
The Lists table is read the same way. python-calamine, cell by cell (:class:`SheetGrids`,
:mod:`xltools.backend.coerce`), reads any table fastexcel cannot cut the way its ref says; both
give the same frames.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
import python_calamine

from .. import layout
from ..changes import Issue
from ..db import CustomerDB, LazyTables, TableFrame
from ..errors import BadWorkbookError
from ..schema import Schema, Table
from ..xlsx.extent import cut_copy, far_part
from ..xlsx.package import Package, TableInfo
from ..xlsx.refs import col_letter, split_ref
from . import frames
from .coerce import coerce_column
from .columnar import BlockReads, coerce_series


class SheetGrids:
    """Cell values of whole sheets, read once each, addressed by 1-based (row, column)."""

    def __init__(self, source: Path | IO[bytes]):
        """``source``: the book's path, or an in-memory copy (see :mod:`xltools.xlsx.extent`).
        The book is opened on the first :meth:`region` asked for (a load fastexcel reads
        whole never parses the shared strings a second time)."""
        self.source = source
        self._book = None
        self._grids: dict[str, tuple[list[list[Any]], int, int]] = {}

    @property
    def book(self):
        if self._book is None:
            try:
                if isinstance(self.source, (str, Path)):
                    self._book = python_calamine.CalamineWorkbook.from_path(str(self.source))
                else:
                    self.source.seek(0)
                    self._book = python_calamine.CalamineWorkbook.from_filelike(self.source)
            except Exception as err:  # noqa: BLE001 - calamine raises its own error types
                raise BadWorkbookError(f"无法读取工作簿:{err}",
                                       f"cannot read the workbook: {err}") from None
        return self._book

    def _read(self, sheet: str) -> tuple[list[list[Any]], int, int]:
        try:
            ws = self.book.get_sheet_by_name(sheet)
            grid = ws.to_python(skip_empty_area=True)
        except Exception as err:  # noqa: BLE001 - calamine's XmlError, CalamineError ...
            detail = str(err).splitlines()[0][:160] if str(err) else type(err).__name__
            raise BadWorkbookError(f"工作簿已损坏:工作表「{sheet}」无法读取({detail})",
                                   f"the workbook is damaged: sheet '{sheet}' cannot be read "
                                   f"({detail})") from None
        start = ws.start or (0, 0)
        return grid, start[0] + 1, start[1] + 1

    def region(self, sheet: str, ref: str) -> list[list[Any]]:
        """The values of ``ref`` on ``sheet`` as rows of equal length ('' for empty cells)."""
        if sheet not in self._grids:
            self._grids[sheet] = self._read(sheet)
        grid, top, left = self._grids[sheet]
        (c1, r1), (c2, r2) = split_ref(ref)
        width = c2 - c1 + 1
        out = []
        for r in range(r1, r2 + 1):
            i = r - top
            row = grid[i] if 0 <= i < len(grid) else []
            cells = row[max(0, c1 - left):max(0, c2 - left + 1)]
            pad_left = max(0, left - c1)
            line = [""] * pad_left + list(cells)
            out.append((line + [""] * width)[:width])
        return out

    def close(self) -> None:
        if self._book is not None:
            self._book.close()


def read_table(table: Table, info: TableInfo, grids: SheetGrids,
               issues: list[Issue], body: list[pd.Series] | None = None) -> TableFrame:
    """One managed table: header from the table part, values from ``body`` (its data rows as
    Arrow-read columns, :func:`data_block`; calamine cell by cell when None), coerced by type."""
    (col1, row1), (col2, row2) = split_ref(info.ref)
    header = list(info.columns) or [str(v) for v in grids.region(info.sheet.name, info.ref)[0]]
    first_data = row1 + info.header_rows
    last_data = row2 - info.totals_rows
    positions = frames.match_headers(header, table)
    keys = [positions[p] for p in range(len(header))]

    missing = [c for c in table.columns if c.required and c.key not in keys]
    if missing:
        zh = "、".join(f"「{c.zh}」" for c in missing)
        en = ", ".join(f'"{c.en}"' for c in missing)
        raise BadWorkbookError(
            f"工作表「{info.sheet.name}」的表 {info.name} 缺少必填列 {zh}",
            f"table {info.name} on sheet '{info.sheet.name}' lacks required column(s) {en}")

    types = {c.key: c.type for c in table.columns}
    data: dict[str, Any] = {}
    if body is not None:
        rows = range(first_data, first_data + (len(body[0]) if body else 0))
        for pos, key in enumerate(keys):
            values, bad = coerce_series(body[pos], types.get(key))
            data[key] = _typed(values, types.get(key), bad.any())
            bad_positions = np.flatnonzero(bad).tolist()
            _report(issues, table, info, header, col1, pos, key, types, rows,
                    bad_positions, [values.iat[i] for i in bad_positions])
    else:
        if last_data >= first_data:
            grid = grids.region(info.sheet.name,
                                f"{col_letter(col1)}{first_data}:{col_letter(col2)}{last_data}")
        else:
            grid = []
        rows = range(first_data, first_data + len(grid))
        for pos, key in enumerate(keys):
            raw = [row[pos] for row in grid]
            values, bad = coerce_column(raw, types.get(key))
            data[key] = _typed(pd.Series(values, dtype=object), types.get(key), bool(bad))
            _report(issues, table, info, header, col1, pos, key, types, rows, bad,
                    [raw[i] for i in bad])
    index = pd.Index(list(rows), dtype="int64")
    df = pd.DataFrame({i: pd.Series(v, index=index) if not isinstance(v, pd.Series)
                       else v.set_axis(index) for i, v in enumerate(data.values())}, index=index)
    df.columns = list(data)
    # Rows with no value at all are not records (a new table has one empty row); a column
    # filled on every row (the IDs, as a rule) says there is none without looking further.
    if len(df) and not any(df[c].notna().all() for c in df.columns[:3]):
        df = df[df.notna().any(axis=1)]
    for key in table.keys:  # an optional column the book lacks reads as blank
        if key not in df.columns:
            df[key] = pd.Series([None] * len(df), index=df.index, dtype=object)
    extra = [k for k in keys if k not in types]
    df = df[table.keys + extra]
    return TableFrame(
        key=table.key, table_name=info.name, sheet=info.sheet.name, ref=info.ref, df=df,
        headers={positions[p]: header[p] for p in positions if positions[p] in types},
        letters={positions[p]: col_letter(col1 + p) for p in positions},
        extra_columns=extra)


def _typed(values: pd.Series, col_type: str | None, unreadable: bool):
    """A date column every cell of which is a date (or blank) as datetime64 (NaT for blanks):
    the routines then work on typed columns; a column with a cell kept as typed stays object."""
    if col_type in ("date", "datetime") and not unreadable:
        return pd.to_datetime(values, errors="coerce").astype("datetime64[ns]")
    return values.astype(object)


def _report(issues, table, info, header, col1, pos, key, types, rows, bad, raw) -> None:
    for i, value in zip(bad, raw):
        cell = f"{info.sheet.name}!{col_letter(col1 + pos)}{rows[i]}"
        issues.append(_unreadable(table.key, key, header[pos], cell, rows[i], value, types[key]))


def _unreadable(table: str, key: str, header: str, cell: str, row: int, value: Any,
                col_type: str) -> Issue:
    if col_type in ("date", "datetime"):
        zh, en = "日期", "a date"
    else:
        zh, en = "数字", "a number"
    return Issue(table, row, key, value, "load", "warning",
                 f"{cell}「{header}」的值“{value}”无法识别为{zh},已按原样保留",
                 f"{cell} ({header}): {value!r} cannot be read as {en}; kept as typed")


def data_block(info: TableInfo) -> tuple[str, int, int, int, int]:
    """(sheet, first row, last row, first column, last column) of a table's data rows."""
    (col1, row1), (col2, row2) = split_ref(info.ref)
    return (info.sheet.name, row1 + info.header_rows, row2 - info.totals_rows, col1, col2)


def load_book(path: Path, schema: Schema, *, reuse: CustomerDB | None = None,
              reread: set[str] | frozenset[str] = frozenset(),
              scanned: set[str] | None = None, only: Iterable[str] | None = None,
              check: Callable[[], None] | None = None) -> CustomerDB:
    """Every managed table of the book at ``path``, plus its Lists, Settings and language.

    ``only``: the tables the caller reads (Customers and Settings are always read); the book's
    other tables are read when first asked for (:class:`~xltools.db.LazyTables`), after
    ``check()`` (the caller's: it raises when the file is no longer the one loaded). An import
    never reads the 500,000 follow-ups it does not look at.

    With ``reuse`` (an earlier load of this book), only the tables named in ``reread`` are read
    again and the others are taken over from ``reuse`` as they are: for a caller that knows which
    tables its own last write touched (the monthly batch: a step that wrote Tags need not re-read
    500,000 follow-ups).

    Each sheet is first scanned for stray far cells (:mod:`xltools.xlsx.extent`: one at
    XFD1048576 would make a reader allocate the whole sheet); a sheet found clean is handed to
    fastexcel's worker thread (:class:`~xltools.backend.columnar.BlockReads`) while the next one
    is scanned. When any sheet has far cells, the tables are read from a copy cut down to them.
    ``scanned``: sheet parts a caller knows are free of far cells (scanned by an earlier load,
    written since only by the caller: a batch reloading what its own step wrote); the parts this
    load finds clean are added to it."""
    path = Path(path)
    kept = set() if reuse is None else {k for k in reuse.tables if k not in reread}
    # not read now: what the caller did not ask for, and what was still pending in ``reuse``
    later = set() if only is None else {t.key for t in schema.tables} - set(only) - ALWAYS
    if reuse is not None and isinstance(reuse.tables, LazyTables):
        later |= reuse.tables.pending & kept
    later -= set(reread)
    with Package(path) as pkg:
        found = {t.key: pkg.table(t.table_name) for t in schema.tables}
        lists_info = pkg.table(layout.LISTS_TABLE)
        lang_value = pkg.defined_name(layout.LANG_NAME)
        if found.get("Customers") is None:
            customers = schema.table("Customers")
            raise BadWorkbookError(
                f"这个工作簿里没有客户表({customers.table_name}),不是 xltools 客户数据库",
                f"this workbook has no customer table ({customers.table_name}); it is not an "
                "xltools customer database")
        # Only the sheets this load reads are scanned (a monthly step that wrote Tags does not
        # scan 500,000 follow-ups again); Lists is read last.
        later &= {k for k, i in found.items() if i is not None}
        reads = {k: i for k, i in found.items()
                 if i is not None and k not in kept and k not in later}
        if lists_info is not None:
            reads[LISTS] = lists_info
        needed: dict[str, tuple[int, int]] = {}
        for info in reads.values():
            last_col, last_row = split_ref(info.ref)[1]
            row, col = needed.get(info.sheet.part, (0, 0))
            needed[info.sheet.part] = (max(row, last_row), max(col, last_col))
        blocks, source = _start_reads(pkg, path, reads, needed,
                                      scanned if scanned is not None else set())
    grids = SheetGrids(source)
    issues: list[Issue] = []
    try:
        issues += [i for i in (reuse.load_issues if reuse else []) if i.table in kept]
        tables = {t.key: reuse.tables[t.key] if t.key in kept else
                  read_table(t, found[t.key], grids, issues, blocks.body(t.key))
                  for t in schema.tables if found.get(t.key) is not None and t.key not in later}
        lists_grid = _lists_grid(lists_info, blocks.body(LISTS), grids) if lists_info else None
    finally:
        blocks.close()
        grids.close()
    lang = frames.lang_from_name(lang_value) or frames.detect_lang(tables, schema)
    for t in schema.tables:  # a table the book lacks loads empty; apply creates it
        if t.key not in tables and t.key not in later:
            tables[t.key] = frames.empty_frame(t, lang)
    db = CustomerDB(path=path, schema=schema, lang=lang, tables=tables,
                    lists=frames.lists_from_grid(schema, lists_grid),
                    settings=frames.settings_from_frame(schema, tables.get("Settings")),
                    load_issues=issues)
    if later:
        together = reuse.tables.together if isinstance(reuse and reuse.tables, LazyTables) \
            else ()
        db.tables = read_lazily(db, tables, later, path, scanned, check, together)
    return db


def read_lazily(db: CustomerDB, loaded: dict[str, TableFrame], pending: set[str], path: Path,
                scanned: set[str] | None, check: Callable[[], None] | None,
                together: Iterable[str] = ()) -> LazyTables:
    """``db``'s tables: ``loaded``, and the ``pending`` ones read from the book at ``path`` when
    first looked at, after ``check()`` (their unreadable cells join ``db.load_issues``); those
    ``together`` are read all at once (:class:`~xltools.db.LazyTables`)."""
    def read_later(keys: set[str]) -> dict[str, TableFrame]:
        if check is not None:
            check()
        now = load_book(path, db.schema, reuse=db, reread=keys, scanned=scanned, check=check)
        db.load_issues += [i for i in now.load_issues if i.table in keys]
        return {k: now.tables[k] for k in keys}

    return LazyTables(loaded, pending, read_later, [t.key for t in db.schema.tables], together)


ALWAYS = {"Customers", "Settings"}   # read by every load: the book's identity, language, settings


LISTS = "\0lists"   # the Lists table's key among the blocks (no schema table has it)


def _start_reads(pkg: Package, path: Path, reads: dict[str, TableInfo],
                 needed: dict[str, tuple[int, int]], scanned: set[str]
                 ) -> tuple[BlockReads, Any]:
    """Scan each sheet of ``reads`` (but those ``scanned`` already) and queue its tables' reads
    as soon as it is found clean; (the reads, the source they read: ``path``, or a cut copy
    when a sheet has far cells)."""
    blocks = BlockReads(path)
    far: dict[str, tuple[int, int] | None] = {}
    try:
        for key, info in reads.items():
            part = info.sheet.part
            if part not in far:
                far[part] = None if part in scanned else far_part(pkg, part, needed[part])
            if far[part] is not None:
                break
            blocks.submit(key, *data_block(info))
        else:
            scanned.update(far)
            return blocks, path
    except BaseException:       # a damaged part, a signal: the worker must not run on
        blocks.close()
        raise
    # Far cells: nothing queued so far is used; every sheet is read from the cut copy.
    blocks.close()
    far.update({p: far_part(pkg, p, extent) for p, extent in needed.items() if p not in far})
    source = cut_copy(pkg, needed, far)
    blocks = BlockReads(io.BytesIO(source.getvalue()))
    for key, info in reads.items():
        blocks.submit(key, *data_block(info))
    return blocks, source


def _lists_grid(info: TableInfo, body: list[pd.Series] | None,
                grids: SheetGrids) -> list[list[Any]]:
    """The Lists table as rows (header first, '' for empty cells), as :func:`frames.lists_from_grid`
    reads it."""
    if body is None:
        return grids.region(info.sheet.name, info.ref)
    header = list(info.columns) or grids.region(info.sheet.name, info.ref)[0]
    columns = [s.astype(object).where(s.notna(), "").tolist() for s in body]
    return [header, *map(list, zip(*columns))]
