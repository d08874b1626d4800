"""Apply a :class:`~xltools.changes.Changeset` to a workbook package, touching only what it owns.

:class:`BookWriter` edits the parts it must (the worksheets that change, their table parts,
``styles.xml`` when a new format is needed, the notes of sheets it marks, and workbook.xml, its
rels and the content types when a sheet or table must be created) and leaves every other member
alone; :meth:`BookWriter.changed_parts` is what :func:`xltools.xlsx.zipcopy.write_package` copies
over the original. Steps run in the live backend's order: marks (rows as loaded), cell updates,
removals (later rows move up), appends, table replacements, sheet rebuilds, then the ChangeLog.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pandas as pd

from ..changes import Changeset
from ..db import CustomerDB
from ..xlsx import longtext
from ..xlsx import notes as notes_mod
from ..xlsx import worksheet as ws
from ..xlsx.cells import cell_xml, column_cells, kind_of, plain
from ..xlsx.package import Package, TableInfo, q
from ..xlsx.parts import PartStore
from ..xlsx.bandmove import (
    check_move,
    move_cells,
    move_meta,
    put_band,
    reaches_beside,
)
from ..xlsx.refshift import RowMove, shift_area
from ..xlsx.refs import col_letter, make_ref, split_ref
from ..xlsx.sheetxml import SheetXml
from ..xlsx.styles import Styles
from . import frames
from .changelog import changelog_columns
from .located import Located
from .writer_append import NEVER_CUT, AppendWriter
from .writer_marks import MarkWriter
from .writer_parts import PartsOut
from .writer_sheets import SheetMaker

log = logging.getLogger(__name__)


class BookWriter(SheetMaker, MarkWriter, PartsOut, AppendWriter):
    def __init__(self, pkg: Package, db: CustomerDB, now: dt.datetime | None = None):
        self.pkg, self.db, self.schema = pkg, db, db.schema
        self.parts = PartStore(pkg)
        self.now = now
        self.sheets: dict[str, SheetXml] = {}
        self.notes: dict[str, notes_mod.Notes] = {}
        self._styles: Styles | None = None
        self.located: dict[str, Located | None] = {}
        self.workbook_changed = False
        self.scrub_sst: set[int] = set()     # shared strings that held masked values we replaced
        self.long_texts: list[tuple[str, str, str, int]] = []   # (sheet, cell, text, length)
        self.truncated: list[dict] = []
        self.moves: list[RowMove] = []             # table-row moves, in order
        self._table_refs: dict[str, str] = {}      # table part -> ref after moves (unmanaged)
        self.counts = {"marked": 0, "marks_cleared": 0, "marks_skipped": 0, "updated": 0,
                       "removed": 0, "appended": 0, "replaced": 0, "rebuilt": 0, "skipped": 0}

    # ------------------------------------------------------------------ parts

    @property
    def styles(self) -> Styles:
        if self._styles is None:
            part = self.pkg.styles_part
            self._styles = Styles(self.parts[part] if part and part in self.parts else None)
        return self._styles

    def sheet(self, part: str) -> SheetXml:
        if part not in self.sheets:
            self.sheets[part] = SheetXml(self.parts.buffer(part))
        return self.sheets[part]

    def locate(self, key: str, create: bool = False) -> Located | None:
        if self.located.get(key) is None:
            table = self.schema.table(key)
            info = self.pkg.table(table.table_name)
            if info is None:
                if not create:
                    return None
                self.located[key] = self.create_table(key)
            else:
                self.located[key] = self._locate(key, info)
        return self.located[key]

    def _locate(self, key: str, info: TableInfo) -> Located:
        (c1, r1), (c2, r2) = split_ref(self._table_refs.get(info.part, info.ref))
        table = self.schema.table(key)
        # schema keys, and a team's own columns by their header (merge archives those too)
        positions = {k: c1 + p for p, k in frames.match_headers(info.columns, table).items()}
        return Located(key, info.name, info.sheet.name, info.sheet.part, info.part,
                       r1, c1, c2, r2 - info.totals_rows, positions)

    # ------------------------------------------------------------------ values

    def value_xml(self, ref: str, value: Any, style: int, where: str | None = None) -> str:
        """One cell's XML. Text over Excel's limit is cut; with ``where`` (the sheet) the full
        text is kept for :meth:`keep_long_texts`."""
        value = plain(value)
        if isinstance(value, str):
            cut, full = longtext.cap(value)
            if full is not None:
                if where is not None:
                    self.long_texts.append((where, ref, value, full))
                value = cut
        kind = kind_of(value)
        if kind in ("date", "datetime"):
            style = self.styles.with_date_format(style, with_time=kind == "datetime")
        elif isinstance(value, str) and value == "":
            value = None
        return cell_xml(ref, value, style)

    def quick_xml(self, letter: str, row: int, value: Any, style: int,
                  where: str | None = None) -> str:
        """:meth:`value_xml` of the cell at ``letter``/``row``, without its conversions for the
        cells most rows are made of (a blank, a short text, a plain number: no format to pick,
        nothing to cut, a date in its date style; :func:`~xltools.xlsx.cells.column_cells` makes
        those)."""
        return column_cells(letter, (row,), (value,), style,
                            lambda *cell: self._other_xml(*cell, where), longest=NEVER_CUT,
                            date_style=self.date_style)[0]

    def date_style(self, style: int, with_time: bool) -> int:
        """The style of a date (with its time or not) in ``style``'s look (an import's CreateTime,
        the ChangeLog's Time: every row)."""
        return self.styles.with_date_format(style, with_time=with_time)

    def _other_xml(self, letter: str, row: int, value: Any, style: int,
                   where: str | None) -> str:
        """:meth:`quick_xml` of a cell that is not a blank, a short text, a plain number or a
        date."""
        if _empty(value):                     # NaN, NaT: written with its format, no value
            s_attr = f' s="{style}"' if style else ""
            return f'<c r="{letter}{row}"{s_attr}/>'
        return self.value_xml(f"{letter}{row}", value, style, where)

    def _base_styles(self, sheet: SheetXml, row: int, cols) -> dict[int, int]:
        """Each column's format for a new row: the cell above when it is a data row, else the
        column's default."""
        defaults = sheet.column_styles()
        above = sheet.cells(row) if row else {}
        return {c: int(above[c].get("s", "0")) if c in above else defaults.get(c, 0) for c in cols}

    # ------------------------------------------------------------------ apply

    def apply(self, changes: Changeset) -> dict[str, Any]:
        if changes.list_additions:
            from .lists_write import add_list_values
            self.counts["options_added"] = add_list_values(self, changes.list_additions)
        if changes.marks is not None:
            self.marks(changes)
        if changes.updates:
            self.updates(changes)
        if changes.removals:
            self.removals(changes)
        for key, rows in _group(changes.appends, lambda a: a.table, lambda a: a.values).items():
            self.append_rows(key, rows)
            self.counts["appended"] += len(rows)
        for block in changes.column_appends:
            self.append_rows(block.table, block.columns)
            self.counts["appended"] += len(block)
        for rep in changes.replaces:
            self.replace(rep)
        for rb in changes.rebuilds:
            self.rebuild(rb)
        log = changelog_columns(changes, self.db, self.now)   # (columns: 200,000 rows logged)
        for row in self.keep_long_texts(changes.command):
            for k, values in log.items():
                values.append(row[k])
        logged = len(log["Time"])
        if logged:
            self.append_rows("ChangeLog", log)
        return {"command": changes.command, **self.counts, "logged": logged,
                "truncated": self.truncated}

    # ------------------------------------------------------------------ updates

    def updates(self, changes: Changeset) -> None:
        for key, items in _group(changes.updates, lambda u: u.table, lambda u: u).items():
            loc = self.locate(key)
            if loc is None:
                raise LookupError(f"table {key} is not in the workbook")
            sheet = self.sheet(loc.sheet_part)
            table = self.schema.table(key)
            by_row: dict[int, dict[int, Any]] = {}
            for u in items:
                if u.column not in loc.positions:
                    self.counts["skipped"] += 1
                    log.warning("%s has no column %s; update skipped", key, u.column)
                    continue
                by_row.setdefault(u.row, {})[loc.positions[u.column]] = u.new
            masked_cols = {loc.positions[c.key] for c in table.columns
                           if c.mask and c.key in loc.positions}
            defaults = sheet.column_styles()
            letters = {col: col_letter(col) for col in set(loc.positions.values())}

            def cells(current: dict, row: int, values: dict[int, Any]) -> dict[int, str]:
                new = {}
                for col, value in values.items():
                    old = current.get(col)
                    style = old.style if old is not None else defaults.get(col, 0)
                    if old is not None and col in masked_cols and old.kind == "s" \
                            and (old.value or "").isdigit():
                        self.scrub_sst.add(int(old.value))
                    new[col] = self.quick_xml(letters[col], row, value, style, loc.sheet_name)
                return new

            for row, values in by_row.items():
                sheet.edit_cells(row, values, lambda current, r=row, v=values: cells(current, r, v))
                self.counts["updated"] += len(values)

    # ------------------------------------------------------------------ removals

    def removals(self, changes: Changeset) -> None:
        for key, rows in _group(changes.removals, lambda r: r.table, lambda r: r.row).items():
            loc = self.locate(key)
            if loc is None:
                continue
            gone = sorted(set(rows))
            if gone[0] <= loc.header_row or gone[-1] > loc.last_row:
                raise ValueError(f"{key}: rows {gone[0]}-{gone[-1]} are outside the table")
            self.remove_rows(loc, gone)
            self.counts["removed"] += len(gone)

    def remove_rows(self, loc: Located, gone: list[int]) -> None:
        """Excel's "Delete Table Rows": the table's cells below move up, nothing beside it."""
        self.move_band(loc, RowMove(loc.sheet_name, loc.first_col, loc.last_col, gone=tuple(gone)))
        loc.last_row -= len(gone)
        loc.dirty = True

    def insert_rows(self, loc: Located, count: int) -> None:
        """Excel's "Insert Table Rows" at the table's end: what lies below in the table's columns
        (its Total Row first) moves down ``count`` rows; nothing beside it moves."""
        self.move_band(loc, RowMove(loc.sheet_name, loc.first_col, loc.last_col,
                                    at=loc.last_row + 1, count=count))

    def move_band(self, loc: Located, move: RowMove) -> None:
        """Move the band's cells and everything on the sheet that names them; references in the
        rest of the book follow in :meth:`changed_parts`. Refuses (before anything is written)
        when a merged block or another table lies across the band's edge."""
        sheet = self.sheet(loc.sheet_part)
        others = [(i.name, i.ref, i.part) for i in self._table_infos(loc.sheet_part)
                  if i.part != loc.table_part]
        check_move(sheet.meta, move, loc.name, [(n, r) for n, r, _ in others])
        move_cells(sheet, move)
        move_meta(sheet.meta, move)
        self.sheet_notes(loc.sheet_part).move(move)
        for name, ref, part in others:
            new = shift_area(ref, move)
            if new is None or new == ref:
                continue
            other = next((x for x in self.located.values() if x and x.table_part == part), None)
            if other is not None:
                (_, other.header_row), (_, last) = split_ref(new)
                other.last_row = last - self._totals(part)
                other.dirty = True
            else:
                root = self.parts.xml(part)
                root.set("ref", new)
                af = root.find(q("autoFilter"))
                if af is not None:
                    af.set("ref", shift_area(af.get("ref", ""), move) or af.get("ref"))
                self.parts.put_xml(part, root)
            self._table_refs[part] = new
        self.moves.append(move)

    def _table_infos(self, sheet_part: str) -> list[TableInfo]:
        """Every table on the sheet, managed or not, with its ref as moved so far."""
        infos = {i.part: i for i in self.pkg.tables.values() if i.sheet.part == sheet_part}
        out = []
        for part, info in infos.items():
            loc = next((x for x in self.located.values() if x and x.table_part == part), None)
            ref = loc.ref if loc else self._table_refs.get(part, info.ref)
            if loc is not None and self._totals(part):
                (c1, r1), (c2, r2) = split_ref(ref)
                ref = make_ref(c1, r1, c2, r2 + self._totals(part))
            out.append(TableInfo(info.name, ref, info.columns, part, info.sheet))
        return out

    def _totals(self, table_part: str) -> int:
        return int(self.parts.xml(table_part).get("totalsRowCount", "0"))

    # ------------------------------------------------------------------ appends

    def resize(self, loc: Located, new_last: int) -> None:
        new_last = max(new_last, loc.header_row + 1)
        if new_last == loc.last_row:
            return
        ws.grow_ranges(self.sheet(loc.sheet_part).meta, loc.last_row, new_last)
        loc.last_row = new_last
        loc.dirty = True

    # ------------------------------------------------------------------ table replace

    def replace(self, rep) -> None:
        loc = self.locate(rep.table, create=True)
        sheet = self.sheet(loc.sheet_part)
        first = loc.header_row + 1
        styles = self._base_styles(sheet, first, loc.columns)
        beyond = first + max(1, len(rep.rows)) - 1 - loc.last_row
        if beyond > 0 and not self._free_below(loc, beyond):
            self.insert_rows(loc, beyond)       # what lies below moves down, as in Excel
        # cells beside the table (a team's own table to the right) stay in their rows
        beside = reaches_beside(sheet, loc.first_col, loc.last_col)
        for row in range(first, loc.last_row + 1):
            if beside:
                put_band(sheet, row, loc.first_col, loc.last_col, "")
            else:
                sheet.clear_row(row)
        by_col = {c: k for k, c in loc.positions.items()}
        links: dict[str, tuple[str, str]] = {}
        columns = [(c, by_col.get(c), col_letter(c), f' s="{styles[c]}"' if styles[c] else "")
                   for c in loc.columns]
        for i, values in enumerate(rep.rows):
            row = first + i
            cells = []
            for c, key, letter, s_attr in columns:
                value = values.get(key)
                link = rep.links.get((i, key)) if key and rep.links else None
                if link:
                    value = value if not frames.is_blank(value) else "→"
                    links[f"{letter}{row}"] = (link, value)
                elif _empty(value):
                    cells.append(f'<c r="{letter}{row}"{s_attr}/>')
                    continue
                cells.append(self.value_xml(f"{letter}{row}", value, styles[c], loc.sheet_name))
            if beside:
                put_band(sheet, row, loc.first_col, loc.last_col, "".join(cells))
            else:
                sheet.put_row(row, "".join(cells))
        old_last = loc.last_row
        dropped = ws.set_hyperlinks(sheet.meta, links, lambda ref: _in_rows(ref, first, old_last)
                                    and (not beside or _in_cols(ref, loc.first_col, loc.last_col)))
        self.parts.remove_rels(loc.sheet_part, dropped)
        self.resize(loc, first + max(1, len(rep.rows)) - 1)
        self.counts["replaced"] += len(rep.rows)


def _empty(value) -> bool:
    """None, NaN or NaT: a cell written with its format and no value (as value_xml would)."""
    return value is None or value is pd.NaT or (isinstance(value, float) and value != value)


def _group(items, key, value) -> dict:
    out: dict = {}
    for item in items:
        out.setdefault(key(item), []).append(value(item))
    return out


def _in_cols(ref: str, first: int, last: int) -> bool:
    try:
        (c1, _), (c2, _) = split_ref(ref)
    except ValueError:
        return False
    return first <= c1 and c2 <= last


def _in_rows(ref: str, first: int, last: int) -> bool:
    try:
        (_, r1), (_, r2) = split_ref(ref)
    except ValueError:
        return False
    return first <= r1 and r2 <= last


__all__ = ["BookWriter", "Located"]
